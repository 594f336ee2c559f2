/**
 * Sizes checked before any work: the bytes one inference's inputs take, from the declared shapes
 * and dtypes plus `inputShapes` overrides, against the configured limit and the target devices'
 * RAM. A model declaring a 1x3x100000x100000 input is refused here with the numbers, instead of
 * being queued and failing on every device (and every retry) when the runner allocates it.
 */
import { DomainError, formatShape, inputBytes, resolveInputShapes, type BenchmarkOptions, type TensorSpec } from '@farm/contracts';

/** Inputs may take at most this share of a device's RAM: the engine, its weights and its outputs need the rest. */
export const DEVICE_RAM_SHARE = 0.5;

export interface SizedArtifact {
  id: string;
  format: string;
  inputs: TensorSpec[];
}
export interface SizedDevice {
  id: string;
  name: string;
  ramBytes: number | null;
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/** Throws INPUT_TOO_LARGE (422) with the numbers when any artifact x option set x device combination is over its limit. */
export function checkInputSizes(artifacts: SizedArtifact[], optionSets: BenchmarkOptions[], devices: SizedDevice[], maxInputBytes: number): void {
  const smallestRam = devices.filter((d) => d.ramBytes !== null && d.ramBytes > 0).sort((a, b) => a.ramBytes! - b.ramBytes!)[0];
  for (const a of artifacts) {
    for (const o of optionSets) {
      const resolved = resolveInputShapes(a.inputs, o.inputShapes);
      const bytes = inputBytes(resolved);
      const shapes = resolved.map((t) => `"${t.name}" ${formatShape(t.shape)} ${t.dtype}`).join(', ');
      const need = `the inputs of artifact ${a.id} (${a.format}: ${shapes}) take ${bytes} bytes (${formatBytes(bytes)}) per inference`;
      if (bytes > maxInputBytes) {
        throw new DomainError(
          'INPUT_TOO_LARGE',
          `${need}; the limit is ${maxInputBytes} bytes (${formatBytes(maxInputBytes)}, BENCHMARK_MAX_INPUT_MB). Use smaller inputShapes, or a model with smaller declared inputs.`,
          { artifactId: a.id, inputBytes: bytes, limitBytes: maxInputBytes, limit: 'BENCHMARK_MAX_INPUT_MB' },
        );
      }
      if (smallestRam) {
        const cap = Math.floor(smallestRam.ramBytes! * DEVICE_RAM_SHARE);
        if (bytes > cap) {
          throw new DomainError(
            'INPUT_TOO_LARGE',
            `${need}; device "${smallestRam.name}" (${smallestRam.id}) has ${formatBytes(smallestRam.ramBytes!)} of RAM and inputs may take at most half of it (${cap} bytes, ${formatBytes(cap)}). ` +
              'Use smaller inputShapes, or target devices with more memory.',
            { artifactId: a.id, inputBytes: bytes, limitBytes: cap, limit: 'device RAM', deviceId: smallestRam.id, deviceRamBytes: smallestRam.ramBytes },
          );
        }
      }
    }
  }
}
