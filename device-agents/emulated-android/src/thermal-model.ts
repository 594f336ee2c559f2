/**
 * The emulated phone's temperature: a first-order lag towards a target set by the share of time
 * commands run on the device (hot under sustained work, ambient at rest), so a cooldown gate has something real to wait for. A test can
 * force a temperature (a phone left in the sun) and release it; the model then cools from there.
 * Nothing here measures the host: it is a deterministic stand-in for a SoC's thermal behaviour.
 */

export interface ThermalSettings {
  ambientC: number;
  /** Where the SoC settles under sustained work. */
  loadedC: number;
  /** Time constant of the approach, in ms: about 63% of the way after one constant. */
  riseMs: number;
  fallMs: number;
}

export const DEFAULT_THERMAL: ThermalSettings = { ambientC: 30, loadedC: 70, riseMs: 8_000, fallMs: 12_000 };

export class ThermalModel {
  private modelled: number;
  private forced: number | null = null;

  constructor(private readonly settings: ThermalSettings = DEFAULT_THERMAL) {
    this.modelled = settings.ambientC;
  }

  /**
   * Advances the model by `elapsedMs`; `load` (0 to 1) is the share of that time in which commands
   * ran on the device, so reading a thermal zone now and then barely warms it, as on a phone.
   */
  advance(elapsedMs: number, load: number): void {
    if (this.forced !== null) return;
    const { ambientC, loadedC } = this.settings;
    const target = ambientC + Math.min(1, Math.max(0, load)) * (loadedC - ambientC);
    const tau = target > this.modelled ? this.settings.riseMs : this.settings.fallMs;
    this.modelled = target + (this.modelled - target) * Math.exp(-elapsedMs / tau);
  }

  /** Holds the SoC at `celsius` until released with null; released, it cools from that temperature. */
  force(celsius: number | null): void {
    if (celsius === null && this.forced !== null) this.modelled = this.forced;
    this.forced = celsius;
  }

  get celsius(): number {
    return this.forced ?? this.modelled;
  }

  get ambientC(): number {
    return this.settings.ambientC;
  }
}
