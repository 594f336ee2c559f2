export * from './latency-stats.js';
