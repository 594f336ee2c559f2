/**
 * The local transport: the desktop this agent runs on is itself a device. It describes the
 * machine and reads its benchmark-relevant state (governor, frequency, temperature) from sysfs
 * where the kernel exposes it; what it cannot read is reported as null, never guessed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem, type } from 'node:os';
import type { DeviceReport, Environment, FrameworkAvailability } from '@farm/contracts';
import { AGENT_VERSION } from '../agent-config.js';

function readSys(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function osPrettyName(): string {
  const text = readSys('/etc/os-release') ?? '';
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
  return m ? m[1]! : `${type()} ${release()}`;
}

function maxTemperatureC(): number | null {
  let max: number | null = null;
  try {
    for (const z of readdirSync('/sys/class/thermal').filter((n) => n.startsWith('thermal_zone'))) {
      const v = Number(readSys(`/sys/class/thermal/${z}/temp`));
      if (Number.isFinite(v) && v > 0) max = Math.max(max ?? -Infinity, v / 1000);
    }
  } catch {
    /* no thermal zones exposed (VMs, containers) */
  }
  return max;
}

export class LocalTransport {
  readonly kind = 'local' as const;

  describe(frameworks: FrameworkAvailability[]): DeviceReport {
    const c = cpus();
    return {
      serial: `local:${hostname()}`,
      name: `${hostname()} (desktop)`,
      platform: process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : 'linux',
      transport: 'local',
      cpuModel: c[0]?.model.trim() ?? 'unknown',
      soc: null,
      cores: Math.max(1, c.length),
      ramBytes: totalmem(),
      osVersion: osPrettyName(),
      abi: arch(),
      frameworks,
    };
  }

  environment(): Environment {
    const c = cpus();
    const gov = readSys('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor');
    const khz = Number(readSys('/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq'));
    return {
      os: type(),
      osRelease: release(),
      arch: arch(),
      cpuModel: c[0]?.model.trim() ?? 'unknown',
      cores: Math.max(1, c.length),
      cpuGovernor: gov,
      cpuFreqMHz: Number.isFinite(khz) && khz > 0 ? khz / 1000 : c[0]?.speed ? c[0].speed : null,
      temperatureC: maxTemperatureC(),
      agentVersion: AGENT_VERSION,
      runtimeVersion: `node ${process.version}`,
    };
  }
}
