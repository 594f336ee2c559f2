/**
 * Deterministic image-like inputs for tests and the bench: smooth colour gradients plus a few
 * blobs and mild noise, in [-1, 1], so activations look more like photographs than white noise.
 */
import { mulberry32 } from '../quantizer/calibration.js';

export function syntheticImage(dims: number[], seed: number, layout: 'NHWC' | 'NCHW'): Float32Array {
  const [n, a, b, c] = dims as [number, number, number, number];
  const [H, W, C] = layout === 'NHWC' ? [a, b, c] : [b, c, a];
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * H * W * C);
  const blobs = Array.from({ length: 4 }, () => ({ y: rnd() * H, x: rnd() * W, r: (0.1 + rnd() * 0.3) * Math.min(H, W), col: [rnd(), rnd(), rnd()] }));
  const base = [rnd(), rnd(), rnd()];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let ch = 0; ch < C; ch++) {
        let v = base[ch % 3]! * (0.5 + 0.5 * Math.sin((x / W) * 3 + ch + (y / H) * 2));
        for (const bl of blobs) {
          const d2 = ((y - bl.y) ** 2 + (x - bl.x) ** 2) / (bl.r * bl.r);
          v += bl.col[ch % 3]! * Math.exp(-d2);
        }
        v = Math.min(1, Math.max(0, v * 0.7 + (rnd() - 0.5) * 0.05));
        const idx = layout === 'NHWC' ? (y * W + x) * C + ch : (ch * H + y) * W + x;
        out[idx] = v * 2 - 1;
      }
  return out;
}
