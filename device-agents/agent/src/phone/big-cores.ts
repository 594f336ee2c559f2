/**
 * The big cores of a phone: those whose top frequency is the highest the SoC has (the "prime" and
 * "performance" clusters differ by SoC, so only the fastest cluster is taken, which is what
 * pinning a single-threaded benchmark wants). Returned as a CPU list ("4-7" style, comma form).
 */
export function bigCoreList(coreMaxFreqMHz: readonly number[] | undefined, threads = 1): string | null {
  if (!coreMaxFreqMHz?.length || coreMaxFreqMHz.every((f) => !(f > 0))) return null;
  const byFreq = [...new Set(coreMaxFreqMHz.filter((f) => f > 0))].sort((a, b) => b - a);
  // Take clusters from the fastest down until there are enough cores for the threads asked for.
  const chosen: number[] = [];
  for (const f of byFreq) {
    coreMaxFreqMHz.forEach((g, cpu) => g === f && chosen.push(cpu));
    if (chosen.length >= threads) break;
  }
  return chosen.sort((a, b) => a - b).join(',');
}
