/**
 * sha256 of host files for the transports' push caches, remembered by path, size and mtime: a
 * runner binary or a model is hashed once per agent, not on every job.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

export class FileHashCache {
  private readonly hashes = new Map<string, string>();

  async sha256(path: string): Promise<string> {
    const st = statSync(path);
    const key = `${path}\0${st.size}\0${st.mtimeMs}`;
    const known = this.hashes.get(key);
    if (known) return known;
    const h = createHash('sha256');
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
    const hash = h.digest('hex');
    this.hashes.set(key, hash);
    return hash;
  }
}
