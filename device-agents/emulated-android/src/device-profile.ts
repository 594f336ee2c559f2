/**
 * What an emulated phone says about itself: system properties, CPU clusters, thermal zones and
 * battery. Every profile carries `ro.boot.qemu=1` (what Google's own Android emulator sets) and
 * `ro.farm.emulated=1`, and names itself "emulated", so no reader can take it for real hardware.
 */

export interface CpuCluster {
  /** Number of cores in the cluster. */
  cores: number;
  minKHz: number;
  maxKHz: number;
  /** arm64 /proc/cpuinfo "CPU part" (0xd05 Cortex-A55, 0xd0d Cortex-A77, ...). */
  part: string;
}

export interface DeviceProfile {
  /** ro.product.name, ro.product.model, ro.product.device: the three the host shows in `adb devices -l`. */
  name: string;
  model: string;
  device: string;
  manufacturer: string;
  socModel: string;
  boardPlatform: string;
  hardware: string;
  abiList: string;
  androidRelease: string;
  sdk: number;
  /** Little cluster first, as Android numbers cores. */
  clusters: CpuCluster[];
  batteryLevel: number;
  charging: boolean;
}

export const DEFAULT_PROFILE: DeviceProfile = {
  name: 'farm_emulated_arm64',
  model: 'Emulated arm64 phone',
  device: 'emulated_arm64',
  manufacturer: 'nn-bench-farm (emulated)',
  socModel: 'emulated-arm64',
  boardPlatform: 'qemu',
  // "ranchu" is the hardware name of Google's Android emulator: tools that special-case emulators know it.
  hardware: 'ranchu',
  abiList: 'arm64-v8a',
  androidRelease: '14',
  sdk: 34,
  clusters: [
    { cores: 4, minKHz: 300_000, maxKHz: 1_804_800, part: '0xd05' },
    { cores: 4, minKHz: 710_400, maxKHz: 2_419_200, part: '0xd0d' },
  ],
  batteryLevel: 85,
  charging: true,
};

/** All system properties, in getprop's order (sorted by key). Values never contain newlines. */
export function systemProperties(p: DeviceProfile, serial: string): Array<[string, string]> {
  const props: Record<string, string> = {
    'ro.boot.qemu': '1',
    'ro.farm.emulated': '1',
    'ro.kernel.qemu': '1',
    'ro.serialno': serial,
    'ro.product.name': p.name,
    'ro.product.model': p.model,
    'ro.product.device': p.device,
    'ro.product.brand': 'farm',
    'ro.product.manufacturer': p.manufacturer,
    'ro.soc.model': p.socModel,
    'ro.soc.manufacturer': 'emulated',
    'ro.board.platform': p.boardPlatform,
    'ro.hardware': p.hardware,
    'ro.product.cpu.abi': p.abiList.split(',')[0]!,
    'ro.product.cpu.abilist': p.abiList,
    'ro.product.cpu.abilist64': p.abiList,
    'ro.build.version.release': p.androidRelease,
    'ro.build.version.sdk': String(p.sdk),
    'ro.build.type': 'userdebug',
    'ro.build.characteristics': 'emulator',
  };
  for (const [k, v] of Object.entries(props)) {
    if (/[\n=]/.test(k) || v.includes('\n')) throw new Error(`system property ${k} cannot hold a newline or '=' in its key`);
  }
  return Object.entries(props).sort(([a], [b]) => a.localeCompare(b));
}

export function coreCount(p: DeviceProfile): number {
  return p.clusters.reduce((n, c) => n + c.cores, 0);
}

/** The cluster of each core, little cores first. */
export function coresOf(p: DeviceProfile): CpuCluster[] {
  return p.clusters.flatMap((c) => Array.from({ length: c.cores }, () => c));
}

/** /proc/cpuinfo as an arm64 Linux kernel prints it. */
export function procCpuinfo(p: DeviceProfile): string {
  const blocks = coresOf(p).map((c, i) =>
    [
      `processor\t: ${i}`,
      'BogoMIPS\t: 38.40',
      'Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp',
      'CPU implementer\t: 0x41',
      'CPU architecture: 8',
      'CPU variant\t: 0x1',
      `CPU part\t: ${c.part}`,
      'CPU revision\t: 0',
    ].join('\n'),
  );
  return `${blocks.join('\n\n')}\n\nHardware\t: ${p.hardware} (emulated)\n`;
}
