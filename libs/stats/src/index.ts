export * from './latency-stats.js';
export * from './seeded-random.js';
