export * from './latency-stats.js';
export * from './seeded-random.js';
export * from './median-ratio.js';
export * from './regression-detection.js';
