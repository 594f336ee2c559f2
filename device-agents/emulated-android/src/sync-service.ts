/**
 * The `sync:` service, version 1 (file_sync_protocol.h): STAT, LIST, SEND (DATA... DONE), RECV
 * and QUIT, on files inside the device's sandbox root. Requests are 8-byte headers (id, length)
 * that may straddle the host's WRTE packets, so the service buffers until a unit is whole.
 * The v2 variants (STA2, LIS2) are not served, and the device does not advertise them.
 */
import { chmod, lstat, mkdir, open, readdir, stat, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DeviceStream, StreamService } from './adb-connection.js';
import { resolveInSandbox } from './sandbox-paths.js';

/** SYNC_DATA_MAX: no DATA unit, either way, is larger. */
const SYNC_DATA_MAX = 64 * 1024;
const MAX_PATH = 1024;

export interface SyncServiceHooks {
  root: string;
  /** Counted per SEND request, whether or not it succeeds. */
  sendStarted(): void;
}

interface Upload {
  file: FileHandle | null;
  hostPath: string;
  mode: number;
  error: string | null;
}

export function openSyncService(stream: DeviceStream, hooks: SyncServiceHooks): StreamService {
  let buffered: Buffer = Buffer.alloc(0);
  let upload: Upload | null = null;

  const reply = (id: string, ...words: number[]) => {
    const b = Buffer.alloc(4 + 4 * words.length);
    b.write(id, 0, 'latin1');
    words.forEach((w, i) => b.writeUInt32LE(w >>> 0, 4 + 4 * i));
    return stream.write(b);
  };
  const fail = (message: string) => {
    const text = Buffer.from(message, 'utf8');
    const head = Buffer.alloc(8);
    head.write('FAIL', 0, 'latin1');
    head.writeUInt32LE(text.length, 4);
    return stream.write(Buffer.concat([head, text]));
  };
  const hostPath = (devicePath: string, followLast: boolean) => resolveInSandbox(hooks.root, devicePath, followLast);

  async function request(id: string, body: Buffer): Promise<void> {
    const path = body.toString('utf8');
    switch (id) {
      case 'STAT': {
        const info = await hostPath(path, false)
          .then((p) => lstat(p))
          .catch(() => null);
        await reply('STAT', info?.mode ?? 0, info?.size ?? 0, info ? Math.floor(info.mtimeMs / 1000) : 0);
        return;
      }
      case 'LIST':
        await list(path);
        return;
      case 'RECV':
        await recv(path);
        return;
      case 'SEND': {
        hooks.sendStarted();
        // "path,mode": the path itself may hold commas, the mode is after the last one.
        const comma = path.lastIndexOf(',');
        const devicePath = comma >= 0 ? path.slice(0, comma) : path;
        const mode = comma >= 0 ? Number.parseInt(path.slice(comma + 1), 10) & 0o7777 : 0o644;
        upload = { file: null, hostPath: '', mode: Number.isNaN(mode) ? 0o644 : mode, error: null };
        try {
          upload.hostPath = await hostPath(devicePath, true);
          await mkdir(dirname(upload.hostPath), { recursive: true });
          upload.file = await open(upload.hostPath, 'w', upload.mode);
        } catch (e) {
          // adbd reads the rest of the transfer before it answers: the host is already sending DATA.
          upload.error = `cannot open ${devicePath}: ${(e as Error).message}`;
        }
        return;
      }
      default:
        await fail(`unknown sync request ${JSON.stringify(id)}`);
        stream.close();
    }
  }

  async function uploadUnit(id: string, length: number, body: Buffer, u: Upload): Promise<void> {
    if (id === 'DATA') {
      if (u.file && !u.error) await u.file.write(body).catch((e: Error) => (u.error = `write failed: ${e.message}`));
      return;
    }
    if (id !== 'DONE') {
      u.error ??= `unexpected ${JSON.stringify(id)} during SEND`;
    }
    upload = null;
    await u.file?.close();
    if (u.error) {
      await fail(u.error);
      return;
    }
    // DONE carries the file's mtime in place of a length.
    await chmod(u.hostPath, u.mode);
    await utimes(u.hostPath, length, length);
    await reply('OKAY', 0);
  }

  async function list(path: string): Promise<void> {
    const dir = await hostPath(path, true).catch(() => null);
    // adbd lists what readdir gives, "." and ".." included; a missing directory is just an empty list.
    const names = dir
      ? await readdir(dir).then(
          (n) => ['.', '..', ...n],
          () => [] as string[],
        )
      : [];
    for (const name of names) {
      const info = await lstat(join(dir!, name)).catch(() => null);
      if (!info) continue;
      const n = Buffer.from(name, 'utf8');
      const dent = Buffer.alloc(20);
      dent.write('DENT', 0, 'latin1');
      dent.writeUInt32LE(info.mode >>> 0, 4);
      dent.writeUInt32LE(info.size >>> 0, 8);
      dent.writeUInt32LE(Math.floor(info.mtimeMs / 1000), 12);
      dent.writeUInt32LE(n.length, 16);
      await stream.write(Buffer.concat([dent, n]));
    }
    await reply('DONE', 0, 0, 0, 0);
  }

  async function recv(path: string): Promise<void> {
    let file: FileHandle;
    try {
      const p = await hostPath(path, true);
      if (!(await stat(p)).isFile()) throw new Error('not a regular file');
      file = await open(p, 'r');
    } catch (e) {
      await fail(`cannot read ${path}: ${(e as Error).message}`);
      return;
    }
    try {
      const chunk = Buffer.alloc(SYNC_DATA_MAX);
      for (;;) {
        const { bytesRead } = await file.read(chunk, 0, SYNC_DATA_MAX);
        if (bytesRead === 0) break;
        const head = Buffer.alloc(8);
        head.write('DATA', 0, 'latin1');
        head.writeUInt32LE(bytesRead, 4);
        await stream.write(Buffer.concat([head, chunk.subarray(0, bytesRead)]));
      }
    } finally {
      await file.close();
    }
    await reply('DONE', 0);
  }

  return {
    async onData(data) {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 8 && !stream.closed) {
        const id = buffered.toString('latin1', 0, 4);
        const length = buffered.readUInt32LE(4);
        // During SEND, DONE's length field is the mtime; outside it, QUIT has none.
        const bodyLength = upload ? (id === 'DATA' ? length : 0) : id === 'QUIT' ? 0 : length;
        if (bodyLength > (upload ? SYNC_DATA_MAX : MAX_PATH)) {
          await fail(`sync ${id} of ${bodyLength} bytes is too large`);
          stream.close();
          return;
        }
        if (buffered.length < 8 + bodyLength) return;
        const body = buffered.subarray(8, 8 + bodyLength);
        buffered = buffered.subarray(8 + bodyLength);
        if (upload) await uploadUnit(id, length, body, upload);
        else if (id === 'QUIT') stream.close();
        else await request(id, body);
      }
    },
    onClose() {
      const u = upload;
      upload = null;
      void u?.file?.close().catch(() => {});
    },
  };
}
