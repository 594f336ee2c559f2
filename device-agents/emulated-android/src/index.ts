/**
 * Emulated arm64 Android phones for tests and demos (never for phone performance): start one with
 * EmulatedAndroidDevice.start, or several on consecutive ports with startEmulatedDevices, then
 * `adb connect` each serial.
 */
import { EmulatedAndroidDevice, type EmulatedDeviceOptions } from './emulated-android-device.js';

export {
  EmulatedAndroidDevice,
  EmulationUnsupportedError,
  ADB_EMULATOR_PORTS,
  type EmulatedDeviceCounters,
  type EmulatedDeviceOptions,
} from './emulated-android-device.js';
export { sandboxUnsupportedReason, DEFAULT_HOST_TOOLS, type HostTools } from './sandbox-shell.js';
export { DEFAULT_PROFILE, type DeviceProfile } from './device-profile.js';
export type { AuthMode } from './adb-connection.js';

/** The port range emulated devices start at by default: well clear of the adb server's 5555-5585 scan. */
export const DEFAULT_BASE_PORT = 15555;

/**
 * Starts `count` devices on basePort, basePort+1, ...; each gets its own sandbox and the other
 * options given. If one fails to start, those already started are stopped before the error is thrown.
 */
export async function startEmulatedDevices(
  count: number,
  options: Omit<EmulatedDeviceOptions, 'port'> & { basePort?: number } = {},
): Promise<EmulatedAndroidDevice[]> {
  const { basePort = DEFAULT_BASE_PORT, ...rest } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
  const devices: EmulatedAndroidDevice[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const profile = { ...rest.profile, name: `${rest.profile?.name ?? 'farm_emulated_arm64'}_${i + 1}` };
      devices.push(await EmulatedAndroidDevice.start({ ...rest, profile, port: basePort + i, dir: rest.dir ? `${rest.dir}/${basePort + i}` : undefined }));
    }
  } catch (e) {
    await Promise.all(devices.map((d) => d.stop()));
    throw e;
  }
  return devices;
}
