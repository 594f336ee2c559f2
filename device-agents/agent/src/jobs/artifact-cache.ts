/**
 * Local cache of model artifacts by sha256. A download is streamed to a temp file, its digest
 * checked, then renamed into place: a corrupt or truncated transfer never reaches a runner.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ModelFormat } from '@farm/contracts';
import type { ApiClient } from '../api/api-client.js';

export class ArtifactCache {
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly api: ApiClient,
  ) {
    this.dir = join(dataDir, 'artifacts');
    mkdirSync(this.dir, { recursive: true });
  }

  /**
   * The file keeps its format's extension: some engines (OpenCV's readNet) pick their importer by
   * it. An NCNN .bin, which has no format of its own, is fetched with the extension 'bin'.
   */
  async get(sha256: string, format: ModelFormat | 'bin'): Promise<string> {
    const path = join(this.dir, `${sha256}.${format}`);
    if (existsSync(path) && (await digestOf(path)) === sha256) return path;
    const tmp = `${path}.${randomUUID()}.part`;
    try {
      const res = await this.api.artifact(sha256);
      if (!res.body) throw new Error(`empty body for artifact ${sha256}`);
      const hash = createHash('sha256');
      const body = Readable.fromWeb(res.body as unknown as WebReadableStream);
      body.on('data', (c: Buffer) => hash.update(c));
      await pipeline(body, createWriteStream(tmp));
      const got = hash.digest('hex');
      if (got !== sha256) throw new Error(`artifact digest mismatch: expected ${sha256}, got ${got}`);
      renameSync(tmp, path);
      return path;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
}

function digestOf(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
