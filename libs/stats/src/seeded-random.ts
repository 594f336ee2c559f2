/**
 * The seeded generator behind synthetic benchmark inputs and synthetic calibration data: one
 * implementation, so the same seed gives the same bytes in the agent and the quantizer.
 */
/** mulberry32: tiny, fast, and identical in every JavaScript and C implementation, which is all a benchmark input needs. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
