export * from './queue-backend.js';
export { UnrecoverableError } from 'bullmq';
export type { Job, Queue } from 'bullmq';
