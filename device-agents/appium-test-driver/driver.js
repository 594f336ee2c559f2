/**
 * The project's Appium test driver (test infrastructure, never a benchmark target): behind a real
 * Appium 3 server it plays an iPhone for the agent's Appium transport. A device is a folder,
 * FARM_TEST_DEVICES_DIR/<udid>/, holding device.json (name, model, battery, thermal state) and,
 * per installed app, apps/<bundle id>/ (the app) and containers/<bundle id>/Documents (its files).
 * It implements the `mobile:` execute methods the transport calls, with the XCUITest driver's
 * names, parameters and `@<bundle id>:documents/<path>` file notation; launchApp starts the app's
 * program (Info.json "executable") with node, the launch arguments and the Documents folder as its
 * working directory, as iOS starts an app in its sandbox. Devices report isSimulator: true, so
 * everything measured through it is marked emulated.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, normalize, resolve, sep } from 'node:path';
import { BaseDriver, errors } from 'appium/driver.js';

/** UIApplication states, as XCUITest's queryAppState returns them. */
const NOT_INSTALLED = 0;
const NOT_RUNNING = 1;
const RUNNING_IN_FOREGROUND = 4;

function devicesDir() {
  const dir = process.env.FARM_TEST_DEVICES_DIR;
  if (!dir) throw new errors.SessionNotCreatedError('FARM_TEST_DEVICES_DIR is not set in the Appium server environment');
  return resolve(dir);
}

export class FarmTestDriver extends BaseDriver {
  static executeMethodMap = {
    'mobile: installApp': { command: 'mobileInstallApp', params: { required: ['app'], optional: ['timeoutMs', 'checkVersion'] } },
    'mobile: isAppInstalled': { command: 'mobileIsAppInstalled', params: { required: ['bundleId'] } },
    'mobile: removeApp': { command: 'mobileRemoveApp', params: { required: ['bundleId'] } },
    'mobile: launchApp': { command: 'mobileLaunchApp', params: { required: ['bundleId'], optional: ['arguments', 'environment'] } },
    'mobile: terminateApp': { command: 'mobileTerminateApp', params: { required: ['bundleId'] } },
    'mobile: queryAppState': { command: 'mobileQueryAppState', params: { required: ['bundleId'] } },
    'mobile: pushFile': { command: 'mobilePushFile', params: { required: ['remotePath', 'payload'] } },
    'mobile: pullFile': { command: 'mobilePullFile', params: { required: ['remotePath'] } },
    'mobile: deleteFolder': { command: 'mobileDeleteFolder', params: { required: ['remotePath'] } },
    'mobile: deleteFile': { command: 'mobileDeleteFile', params: { required: ['remotePath'] } },
    'mobile: deviceInfo': { command: 'mobileDeviceInfo' },
    'mobile: batteryInfo': { command: 'mobileBatteryInfo' },
  };

  /** Running app processes by "<udid>/<bundle id>", shared by every session of this server. */
  static running = new Map();

  constructor(opts = {}, shouldValidateCaps = true) {
    super(opts, shouldValidateCaps);
    this.desiredCapConstraints = { platformName: { presence: true, isString: true }, udid: { presence: true, isString: true } };
  }

  async createSession(w3cCaps1, w3cCaps2, w3cCaps3, driverData) {
    const [sessionId, caps] = await super.createSession(w3cCaps1, w3cCaps2, w3cCaps3, driverData);
    const udid = caps.udid;
    if (!/^[A-Za-z0-9-]+$/.test(udid) || !existsSync(join(devicesDir(), udid, 'device.json'))) {
      await super.deleteSession();
      throw new errors.SessionNotCreatedError(`no test device with udid "${udid}" under FARM_TEST_DEVICES_DIR`);
    }
    this.device = join(devicesDir(), udid);
    this.udid = udid;
    return [sessionId, caps];
  }

  async execute(script, args) {
    if (!script.startsWith('mobile:')) throw new errors.NotImplementedError('only mobile: execute methods are supported');
    return await this.executeMethod(script, args);
  }

  deviceJson() {
    return JSON.parse(readFileSync(join(this.device, 'device.json'), 'utf8'));
  }

  appDir(bundleId) {
    return join(this.device, 'apps', bundleId);
  }

  /** `@<bundle id>:documents/<path>` -> a path inside that app's Documents folder; nothing outside it. */
  containerFile(remotePath) {
    const m = /^@([A-Za-z0-9.-]+):documents\/(.*)$/.exec(remotePath);
    if (!m) throw new errors.InvalidArgumentError(`"${remotePath}" is not @<bundle id>:documents/<path>`);
    const docs = join(this.device, 'containers', m[1], 'Documents');
    const file = normalize(join(docs, m[2]));
    if (file !== docs && !file.startsWith(docs + sep)) throw new errors.InvalidArgumentError(`"${remotePath}" leaves the app container`);
    return { docs, file, bundleId: m[1] };
  }

  async mobileInstallApp(app) {
    const info = JSON.parse(readFileSync(join(app, 'Info.json'), 'utf8'));
    const bundleId = info.CFBundleIdentifier;
    if (!/^[A-Za-z0-9.-]+$/.test(bundleId ?? '')) throw new errors.InvalidArgumentError(`${app}/Info.json has no valid CFBundleIdentifier`);
    await this.mobileTerminateApp(bundleId);
    rmSync(this.appDir(bundleId), { recursive: true, force: true });
    cpSync(app, this.appDir(bundleId), { recursive: true });
    mkdirSync(join(this.device, 'containers', bundleId, 'Documents'), { recursive: true });
  }

  async mobileIsAppInstalled(bundleId) {
    return existsSync(join(this.appDir(bundleId), 'Info.json'));
  }

  async mobileRemoveApp(bundleId) {
    await this.mobileTerminateApp(bundleId);
    const had = await this.mobileIsAppInstalled(bundleId);
    rmSync(this.appDir(bundleId), { recursive: true, force: true });
    rmSync(join(this.device, 'containers', bundleId), { recursive: true, force: true });
    return had;
  }

  async mobileLaunchApp(bundleId, args = [], environment = {}) {
    if (!(await this.mobileIsAppInstalled(bundleId))) throw new errors.InvalidArgumentError(`${bundleId} is not installed on ${this.udid}`);
    const key = `${this.udid}/${bundleId}`;
    if (FarmTestDriver.running.has(key)) return; // iOS brings a running app to the front; its arguments stay the old ones.
    const info = JSON.parse(readFileSync(join(this.appDir(bundleId), 'Info.json'), 'utf8'));
    const docs = join(this.device, 'containers', bundleId, 'Documents');
    mkdirSync(docs, { recursive: true });
    const child = spawn(process.execPath, [join(this.appDir(bundleId), info.executable), ...args.map(String)], {
      cwd: docs,
      env: { ...process.env, ...environment, FARM_TEST_DEVICE_DIR: this.device, FARM_APP_DOCUMENTS: docs },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (d) => this.log.debug(`[${bundleId}] ${String(d).trim()}`));
    FarmTestDriver.running.set(key, child);
    child.on('exit', () => {
      if (FarmTestDriver.running.get(key) === child) FarmTestDriver.running.delete(key);
    });
  }

  async mobileTerminateApp(bundleId) {
    const key = `${this.udid}/${bundleId}`;
    const child = FarmTestDriver.running.get(key);
    if (!child) return false;
    FarmTestDriver.running.delete(key);
    child.kill('SIGKILL');
    return true;
  }

  async mobileQueryAppState(bundleId) {
    if (!(await this.mobileIsAppInstalled(bundleId))) return NOT_INSTALLED;
    return FarmTestDriver.running.has(`${this.udid}/${bundleId}`) ? RUNNING_IN_FOREGROUND : NOT_RUNNING;
  }

  async mobilePushFile(remotePath, payload) {
    const { file } = this.containerFile(remotePath);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, Buffer.from(payload, 'base64'));
  }

  async mobilePullFile(remotePath) {
    const { file } = this.containerFile(remotePath);
    if (!existsSync(file) || !statSync(file).isFile()) throw new errors.InvalidArgumentError(`${remotePath} does not exist`);
    return readFileSync(file).toString('base64');
  }

  async mobileDeleteFolder(remotePath) {
    const { file, docs } = this.containerFile(remotePath);
    if (file === docs) throw new errors.InvalidArgumentError('refusing to delete the whole Documents folder');
    rmSync(file, { recursive: true, force: true });
  }

  async mobileDeleteFile(remotePath) {
    rmSync(this.containerFile(remotePath).file, { force: true });
  }

  /** XCUITest's deviceInfo fields, plus processorCount and physicalMemory of this machine (the stand-in runs here). */
  async mobileDeviceInfo() {
    const d = this.deviceJson();
    return {
      name: d.name,
      model: d.model,
      uuid: this.udid,
      isSimulator: true,
      currentLocale: 'en_US',
      timeZone: 'UTC',
      userInterfaceIdiom: 'phone',
      userInterfaceStyle: 'light',
      thermalState: d.thermalState ?? 0,
      osVersion: d.osVersion,
      processorCount: cpus().length,
      physicalMemory: totalmem(),
    };
  }

  async mobileBatteryInfo() {
    const d = this.deviceJson();
    return { level: d.batteryLevel ?? -1, state: d.batteryState ?? 0 };
  }

  async deleteSession(sessionId) {
    await super.deleteSession(sessionId);
  }
}
