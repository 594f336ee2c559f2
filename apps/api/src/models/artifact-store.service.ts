/**
 * Content-addressed artifact files: <dir>/<sha[0:2]>/<sha>. Writes go to a temp file that is
 * fsynced before it is renamed into place (and the directory after), so a reader never sees half
 * a model, a power cut cannot leave a torn file under a final name, and the same bytes are stored
 * once. A file already in place is trusted only when its bytes hash to its name, so storing the
 * same bytes again repairs a torn or altered file.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError, isStorageFull } from '@farm/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hashing runs at about 1 GB/s: a slice this size keeps each turn of the event loop to a few ms. */
const HASH_SLICE = 4 * 1024 * 1024;

/** sha256Hex for request paths: a 256 MB upload hashed in one call would hold every other request for a quarter of a second. */
export async function sha256HexYielding(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < bytes.length; at += HASH_SLICE) {
    hash.update(bytes.subarray(at, at + HASH_SLICE));
    if (at + HASH_SLICE < bytes.length) await new Promise<void>((r) => setImmediate(r));
  }
  return hash.digest('hex');
}

@Injectable()
export class ArtifactStore {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  pathFor(sha256: string): string {
    return join(this.config.artifactDir, sha256.slice(0, 2), sha256);
  }

  /**
   * Stores the bytes; returns the path and whether this call created the file (so a failed transaction can undo it).
   * A full disk (or file-size limit) is STORAGE_FULL, with the partial temp file removed: the caller's
   * transaction rolls back, so no row points at bytes that were never stored.
   */
  async put(sha256: string, bytes: Uint8Array): Promise<{ path: string; created: boolean }> {
    const path = this.pathFor(sha256);
    if (await this.intact(sha256)) return { path, created: false };
    const dir = join(this.config.artifactDir, sha256.slice(0, 2));
    const tmp = `${path}.${randomUUID()}.tmp`;
    try {
      await mkdir(dir, { recursive: true });
      const file = await open(tmp, 'wx');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
    } catch (e) {
      await rm(tmp, { force: true });
      if (!isStorageFull(e)) throw e;
      throw new DomainError(
        'STORAGE_FULL',
        `the artifact store has no room for ${bytes.length} bytes (${(e as NodeJS.ErrnoException).code}); nothing was stored: free space under ARTIFACT_DIR and send it again`,
        { sizeBytes: bytes.length },
      );
    }
    await rename(tmp, path);
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
    return { path, created: true };
  }

  /** True when the stored file's bytes hash to its name (false when it is missing, torn or altered). */
  async intact(sha256: string): Promise<boolean> {
    if (!(await this.has(sha256))) return false;
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(this.pathFor(sha256), { highWaterMark: HASH_SLICE })) hash.update(chunk as Buffer);
    } catch {
      return false;
    }
    return hash.digest('hex') === sha256;
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await access(this.pathFor(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.pathFor(sha256), { force: true });
  }

  open(sha256: string): ReadStream {
    return createReadStream(this.pathFor(sha256));
  }
}
