/**
 * The Appium transport against a real Appium 3 server with the project's test driver (test
 * infrastructure: the "iPhone" is a folder, its host app the stand-in that runs the real
 * opencv_runner). Checks the transport's side of the host-app contract: install once per version,
 * push into the app container, launch with arguments, read the exec files, crash detection,
 * cleanup, device info, battery and thermal state, and Appium down = devices offline.
 */
import { afterAll, beforeAll, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HostAppVersionSchema } from '@farm/contracts';
import { AppiumTransport } from '@farm/agent/transports/appium.transport';
import { describeUnless } from '../fixtures/skip.js';
import {
  appiumMissingReason,
  HOST_BUNDLE_ID,
  IPHONE_STANDIN,
  removeDevicesDir,
  STANDIN_APP,
  startAppium,
  type AppiumHandle,
} from '../fixtures/appium-server.js';

const UDID = IPHONE_STANDIN.udid;

describeUnless(appiumMissingReason())('Appium transport (real Appium 3 server, project test driver)', () => {
  let appium: AppiumHandle;
  let transport: AppiumTransport;

  beforeAll(async () => {
    appium = await startAppium([IPHONE_STANDIN]);
    transport = new AppiumTransport({
      url: appium.url,
      automationName: 'FarmTest',
      udids: [UDID],
      hostApp: { path: STANDIN_APP, bundleId: HOST_BUNDLE_ID },
      execPollMs: 100,
    });
  }, 180_000);
  afterAll(async () => {
    await appium?.stop();
    if (appium) removeDevicesDir(appium);
  });

  test('describes the device and reads battery and thermal state', async () => {
    assert.deepEqual(await transport.devices(), [{ serial: UDID, connection: 'online' }]);
    const d = await transport.describe(UDID);
    assert.equal(d.platform, 'ios');
    assert.equal(d.transport, 'appium');
    assert.equal(d.emulated, true);
    assert.equal(d.osVersion, '17.5');
    appium.updateDevice(UDID, { thermalState: 2, batteryLevel: 0.5, batteryState: 2 });
    const s = await transport.snapshot(UDID);
    assert.equal(s.thermalState, 'serious');
    assert.deepEqual(s.battery, { levelPercent: 50, temperatureC: null, charging: true });
    appium.updateDevice(UDID, { thermalState: 0, batteryLevel: 0.81, batteryState: 1 });
  });

  test('installs the host app once, launches it with arguments and reads its exec files', async () => {
    const ws = await transport.prepare(UDID, 'int');
    try {
      const first = await transport.push(ws, STANDIN_APP);
      assert.deepEqual(first, { remotePath: `app:${HOST_BUNDLE_ID}`, pushed: true });
      assert.equal((await transport.push(ws, STANDIN_APP)).pushed, false);
      const r = await transport.exec(ws, [first.remotePath, '--version'], { timeoutMs: 60_000 });
      assert.equal(r.exitCode, 0, r.stderr);
      const v = HostAppVersionSchema.parse(JSON.parse(r.stdout));
      // The stand-in names the engine that really ran.
      assert.equal(v.engine, 'opencv-dnn');
      assert.ok(existsSync(join(appium.documents(UDID), ws.dir)));
    } finally {
      await transport.cleanup(ws);
    }
    assert.equal(existsSync(join(appium.documents(UDID), ws.dir)), false);
  });

  test('an app that dies mid-run is reported as a crash, not as an exit', async () => {
    const ws = await transport.prepare(UDID, 'crash');
    try {
      const host = (await transport.push(ws, STANDIN_APP)).remotePath;
      appium.crashNextLaunch(UDID);
      const r = await transport.exec(ws, [host, '--model', 'x.onnx'], { timeoutMs: 60_000 });
      assert.equal(r.exitCode, null);
      assert.equal(r.signal, 'APP_CRASHED');
      assert.match(r.stderr, /crashed or was killed/);
    } finally {
      await transport.cleanup(ws);
    }
    assert.equal(readdirSync(join(appium.documents(UDID), 'farm/ws')).length, 0);
  });

  test('Appium stopped: the device is offline and a session cannot start', async () => {
    await appium.stop();
    assert.deepEqual(await transport.devices(), [{ serial: UDID, connection: 'offline' }]);
    await assert.rejects(transport.prepare(UDID, 'down'), /does not answer/);
    await appium.restart();
    assert.deepEqual(await transport.devices(), [{ serial: UDID, connection: 'online' }]);
  });
});
