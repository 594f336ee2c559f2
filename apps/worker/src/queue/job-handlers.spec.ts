import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import type { Job } from '@farm/queue';
import { collectJobHandlers, dispatchJob, HandlesJob } from './job-handlers.js';

const NAMES = ['a', 'b'] as const;

test('collects one bound handler per job name', async () => {
  class Ok {
    readonly tag = 'ok';
    @HandlesJob('a')
    async handleA(data: unknown) {
      return { tag: this.tag, data };
    }
    @HandlesJob('b')
    async handleB() {
      return 'b';
    }
    async notAHandler() {}
  }
  const handlers = collectJobHandlers(new Ok(), 'q', NAMES);
  assert.deepEqual([...handlers.keys()].sort(), ['a', 'b']);
  assert.deepEqual(await handlers.get('a')!({ x: 1 }, {} as Job), { tag: 'ok', data: { x: 1 } });
});

test('a job name without a handler, a handler for an unknown name, or two handlers for one name stop start-up', () => {
  class Missing {
    @HandlesJob('a')
    async handleA() {}
  }
  assert.throws(() => collectJobHandlers(new Missing(), 'q', NAMES), /queue q: Missing does not match its job names:\n {2}"b" has no handler/);
  class Misspelt {
    @HandlesJob('a')
    async handleA() {}
    @HandlesJob('bb')
    async handleB() {}
  }
  assert.throws(
    () => collectJobHandlers(new Misspelt(), 'q', NAMES),
    (e: Error) => /handleB\(\) handles "bb", which is not a job of this queue/.test(e.message) && /"b" has no handler/.test(e.message),
  );
  class Twice {
    @HandlesJob('a')
    async one() {}
    @HandlesJob('a')
    async two() {}
    @HandlesJob('b')
    async handleB() {}
  }
  assert.throws(() => collectJobHandlers(new Twice(), 'q', NAMES), /"a" has more than one handler/);
});

test('dispatch: a job name without a handler fails unrecoverably instead of being skipped', async () => {
  class Ok {
    @HandlesJob('a')
    async handleA(data: unknown, job: Job) {
      return { data, id: job.id };
    }
    @HandlesJob('b')
    async handleB() {}
  }
  const handlers = collectJobHandlers(new Ok(), 'q', NAMES);
  assert.deepEqual(await dispatchJob(handlers, 'q', { name: 'a', data: 1, id: '7' } as Job), { data: 1, id: '7' });
  assert.throws(
    () => dispatchJob(handlers, 'q', { name: 'zz', data: {} } as Job),
    (e: Error) => e.name === 'UnrecoverableError' && /queue q has no handler for job "zz" \(known: a, b\)/.test(e.message),
  );
});
