/**
 * Content-addressed artifact files: <dir>/<sha[0:2]>/<sha>. Writes go to a temp file and are
 * renamed into place, so a reader never sees half a model and the same bytes are stored once.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

  /** Stores the bytes; returns the path and whether this call created the file (so a failed transaction can undo it). */
  async put(sha256: string, bytes: Uint8Array): Promise<{ path: string; created: boolean }> {
    const path = this.pathFor(sha256);
    if (await this.has(sha256)) return { path, created: false };
    await mkdir(join(this.config.artifactDir, sha256.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, path);
    return { path, created: true };
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
