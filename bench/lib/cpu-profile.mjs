// Loaded into a bench's API process (NODE_OPTIONS=--import=...): samples its CPU from start-up
// and writes a .cpuprofile (Chrome DevTools' format) to CPU_PROFILE_OUT when the process is sent
// SIGTERM, as the benches stop it. node --cpu-prof would write only on a normal exit, which the
// API's shutdown hooks do not make.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
session.post('Profiler.start');
// First in line, before Nest's own SIGTERM handler: the in-process session answers synchronously.
process.prependListener('SIGTERM', () => {
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(process.env.CPU_PROFILE_OUT, JSON.stringify(result.profile));
  });
});
