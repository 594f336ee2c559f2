/**
 * The file system of one emulated phone: a directory laid out like Android's (busybox as the
 * shell and toolbox in /system/bin, /data/local/tmp, getprop and dumpsys, an arm64 /proc/cpuinfo,
 * cpufreq and thermal sysfs files), which the shell service chroots into. The sysfs files are
 * plain files the emulator rewrites as its thermal model moves, since nothing in the sandbox can
 * intercept reads.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { coresOf, procCpuinfo, systemProperties, type DeviceProfile } from './device-profile.js';

/** The Android tools this sandbox provides as scripts; busybox applets of the same name are not linked. */
const OWN_TOOLS = ['getprop', 'dumpsys'];

// getprop: all properties as "[key]: [value]" (the form adbkit's getProperties parses), or one value.
// A missing key prints the default (or an empty line), as Android's getprop does.
const GETPROP = `#!/system/bin/sh
# getprop of the emulated phone (nn-bench-farm test and demo infrastructure): reads /system/build.prop.
if [ $# -eq 0 ]; then
  while IFS='=' read -r k v; do [ -n "$k" ] && echo "[$k]: [$v]"; done < /system/build.prop
  exit 0
fi
while IFS='=' read -r k v; do
  if [ "$k" = "$1" ]; then echo "$v"; exit 0; fi
done < /system/build.prop
echo "$2"
`;

// dumpsys battery in BatteryService's own layout, from the power_supply files the emulator keeps.
const DUMPSYS = `#!/system/bin/sh
# dumpsys of the emulated phone (nn-bench-farm test and demo infrastructure): only "battery".
if [ "$1" != battery ]; then echo "Can't find service: $1" >&2; exit 1; fi
ps=/sys/class/power_supply/battery
status=$(cat $ps/status)
if [ "$status" = Charging ] || [ "$status" = Full ]; then usb=true; code=2; else usb=false; code=3; fi
[ "$status" = Full ] && code=5
echo "Current Battery Service state:"
echo "  AC powered: false"
echo "  USB powered: $usb"
echo "  Wireless powered: false"
echo "  Dock powered: false"
echo "  Max charging current: 500000"
echo "  Max charging voltage: 5000000"
echo "  Charging counter: $(( $(cat $ps/capacity) * 30000 ))"
echo "  status: $code"
echo "  health: 2"
echo "  present: true"
echo "  level: $(cat $ps/capacity)"
echo "  scale: 100"
echo "  voltage: $(( $(cat $ps/voltage_now) / 1000 ))"
echo "  temperature: $(cat $ps/temp)"
echo "  technology: Li-ion"
`;

export interface SandboxState {
  /** Temperature of every CPU thermal zone, in °C. */
  socC: number;
  batteryC: number;
  /** Whether commands are running: cores report their top frequency when busy, their lowest at rest. */
  busy: boolean;
  batteryLevel: number;
  charging: boolean;
}

export interface SandboxRootPaths {
  /** The directory chroot'd into. */
  root: string;
  /** Bind-mounted over /proc/cpuinfo; kept outside the root so the device cannot rewrite it. */
  cpuinfo: string;
}

/** Lays out a fresh sandbox under `dir` (root/ and its companions); an existing root keeps its /data. */
export function buildSandboxRoot(dir: string, profile: DeviceProfile, serial: string, busybox: string): SandboxRootPaths {
  const root = join(dir, 'root');
  const bin = join(root, 'system/bin');
  for (const d of ['system/bin', 'data/local/tmp', 'data/misc/adb', 'dev', 'proc', 'sys', 'sdcard']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'data/local/tmp'), 0o771);
  copyFileSync(busybox, join(bin, 'busybox'));
  chmodSync(join(bin, 'busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (OWN_TOOLS.includes(applet) || applet === 'busybox') continue;
    linkOnce('busybox', join(bin, applet));
  }
  // Android 10 and later have /bin -> /system/bin; scripts written for either path work.
  linkOnce('system/bin', join(root, 'bin'));
  writeExecutable(join(bin, 'getprop'), GETPROP);
  writeExecutable(join(bin, 'dumpsys'), DUMPSYS);
  writeFileSync(
    join(root, 'system/build.prop'),
    systemProperties(profile, serial)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );

  const cores = coresOf(profile);
  const cpuDir = join(root, 'sys/devices/system/cpu');
  const range = `0-${cores.length - 1}\n`;
  for (const f of ['online', 'possible', 'present']) writeAtomically(join(cpuDir, f), range);
  cores.forEach((c, i) => {
    const freq = join(cpuDir, `cpu${i}/cpufreq`);
    writeAtomically(join(freq, 'cpuinfo_max_freq'), `${c.maxKHz}\n`);
    writeAtomically(join(freq, 'cpuinfo_min_freq'), `${c.minKHz}\n`);
    writeAtomically(join(freq, 'scaling_max_freq'), `${c.maxKHz}\n`);
    writeAtomically(join(freq, 'scaling_min_freq'), `${c.minKHz}\n`);
    writeAtomically(join(freq, 'scaling_governor'), 'schedutil\n');
    writeAtomically(join(freq, 'scaling_available_governors'), 'schedutil performance powersave\n');
  });
  thermalZoneTypes(profile).forEach((type, i) => writeAtomically(join(root, `sys/class/thermal/thermal_zone${i}/type`), `${type}\n`));
  const battery = join(root, 'sys/class/power_supply/battery');
  writeAtomically(join(battery, 'type'), 'Battery\n');
  writeAtomically(join(battery, 'technology'), 'Li-ion\n');
  writeAtomically(join(battery, 'voltage_now'), '4200000\n');

  const cpuinfo = join(dir, 'cpuinfo');
  writeFileSync(cpuinfo, procCpuinfo(profile));
  return { root, cpuinfo };
}

/** One zone per CPU cluster, then the battery: the shape of most phones' thermal_zone list. */
export function thermalZoneTypes(profile: DeviceProfile): string[] {
  return [...profile.clusters.map((_, i) => `cpu-cluster${i}-thermal`), 'battery'];
}

/** Rewrites the files that change with load and time; each file is replaced whole, so a reader never sees half of one. */
export function writeSandboxState(root: string, profile: DeviceProfile, s: SandboxState): void {
  const zones = thermalZoneTypes(profile);
  zones.forEach((type, i) => {
    const c = type === 'battery' ? s.batteryC : s.socC;
    writeIfChanged(join(root, `sys/class/thermal/thermal_zone${i}/temp`), `${Math.round(c * 1000)}\n`);
  });
  coresOf(profile).forEach((c, i) => {
    writeIfChanged(join(root, `sys/devices/system/cpu/cpu${i}/cpufreq/scaling_cur_freq`), `${s.busy ? c.maxKHz : c.minKHz}\n`);
  });
  const battery = join(root, 'sys/class/power_supply/battery');
  writeIfChanged(join(battery, 'capacity'), `${Math.round(s.batteryLevel)}\n`);
  writeIfChanged(join(battery, 'status'), `${s.charging ? (s.batteryLevel >= 100 ? 'Full' : 'Charging') : 'Discharging'}\n`);
  writeIfChanged(join(battery, 'temp'), `${Math.round(s.batteryC * 10)}\n`);
}

/**
 * Whether the ELF file at `path` is statically linked (no PT_INTERP program header). A dynamically
 * linked busybox would find no loader inside the chroot and fail with a confusing "not found".
 */
export function isStaticElf(path: string): boolean {
  const elf = readFileSync(path);
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(32));
  const phentsize = elf.readUInt16LE(54);
  const phnum = elf.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

function writeExecutable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

function linkOnce(target: string, path: string): void {
  if (lstatSync(path, { throwIfNoEntry: false })) return;
  symlinkSync(target, path);
}

function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeAtomically(path, text);
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
