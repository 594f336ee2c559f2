/**
 * Job handlers registered by decorator and checked when their processor is built: every job name
 * of the queue's enum has exactly one handler and no handler names a job outside it, so a missing
 * or misspelt handler stops the worker at start-up instead of leaving jobs unprocessed.
 */
import 'reflect-metadata';
import { UnrecoverableError, type Job } from '@farm/queue';

const HANDLES_JOB = Symbol('handles-job');

/** A handler gets the payload to validate and the job, for what the queue knows (attempts made, attempts allowed). */
export type JobHandler = (data: unknown, job: Job) => Promise<unknown>;

/** Marks a processor method as the handler of one job name. */
export function HandlesJob(name: string): MethodDecorator {
  return (target, key) => {
    Reflect.defineMetadata(HANDLES_JOB, name, target, key);
  };
}

/** The decorated methods of a processor, by job name; throws unless they cover `names` exactly. */
export function collectJobHandlers(processor: object, queue: string, names: readonly string[]): ReadonlyMap<string, JobHandler> {
  const handlers = new Map<string, JobHandler>();
  const problems: string[] = [];
  const proto = Object.getPrototypeOf(processor) as object;
  for (const key of Object.getOwnPropertyNames(proto)) {
    const name = Reflect.getMetadata(HANDLES_JOB, proto, key) as string | undefined;
    if (name === undefined) continue;
    if (!names.includes(name)) problems.push(`${key}() handles "${name}", which is not a job of this queue`);
    else if (handlers.has(name)) problems.push(`"${name}" has more than one handler`);
    else handlers.set(name, (processor as Record<string, JobHandler>)[key]!.bind(processor));
  }
  for (const name of names) if (!handlers.has(name)) problems.push(`"${name}" has no handler`);
  if (problems.length) throw new Error(`queue ${queue}: ${processor.constructor.name} does not match its job names:\n  ${problems.join('\n  ')}`);
  return handlers;
}

/** Runs the job's handler; a job name this version does not know fails unrecoverably rather than being skipped. */
export function dispatchJob(handlers: ReadonlyMap<string, JobHandler>, queue: string, job: Job): Promise<unknown> {
  const handler = handlers.get(job.name);
  if (!handler) throw new UnrecoverableError(`queue ${queue} has no handler for job "${job.name}" (known: ${[...handlers.keys()].join(', ')})`);
  return handler(job.data, job);
}
