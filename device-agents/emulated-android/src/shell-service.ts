/**
 * The `shell:` service, protocol v1 (what adbkit speaks and what the adb CLI falls back to when a
 * device does not advertise shell_v2): the command's stdout and stderr merged into the stream, the
 * host's bytes to its stdin, no exit code, as on a real pre-N device. Closing the stream from the
 * host kills the command and everything it started.
 */
import type { ChildProcess } from 'node:child_process';
import type { DeviceStream, StreamService } from './adb-connection.js';

export interface ShellServiceHooks {
  spawn(command: string): ChildProcess;
  /** The device's view of load: called when the command starts and when it ends. */
  started(): void;
  ended(): void;
}

export function openShellService(command: string, stream: DeviceStream, hooks: ShellServiceHooks): StreamService {
  const child = hooks.spawn(command);
  hooks.started();
  let running = true;
  const forward = (source: NodeJS.ReadableStream) => {
    source.on('data', (chunk: Buffer) => {
      // Stop reading until the host has taken this chunk: a chatty command cannot outrun the host.
      source.pause();
      void stream.write(chunk).then(() => source.resume());
    });
  };
  forward(child.stdout!);
  forward(child.stderr!);
  child.stdin!.on('error', () => {}); // The command may exit without reading its input.
  const ended = () => {
    if (!running) return;
    running = false;
    hooks.ended();
  };
  child.on('error', (e) => {
    void stream.write(Buffer.from(`${e.message}\n`));
    ended();
    stream.close();
  });
  // 'close' comes after both pipes have ended, so everything the command printed is queued by now.
  child.on('close', () => {
    ended();
    stream.close();
  });
  return {
    onData(data) {
      if (running) child.stdin!.write(data);
    },
    onClose() {
      if (running && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone between the check and the kill.
        }
      }
    },
  };
}
