export * from './queue-backend.js';
export { UnrecoverableError } from 'bullmq';
export type { Job } from 'bullmq';
