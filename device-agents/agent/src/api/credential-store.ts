/**
 * The agent's own credential, kept in its data dir (credential.json, mode 0600) so a restart does
 * not enroll again: the bootstrap token is needed once per data dir. The file names the API it
 * belongs to; a credential for another API is not sent to this one.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const StoredSchema = z.object({ apiUrl: z.string(), agentId: z.string(), credential: z.string().min(32) });
export type StoredCredential = z.infer<typeof StoredSchema>;

export class CredentialStore {
  readonly path: string;

  constructor(
    private readonly dataDir: string,
    private readonly apiUrl: string,
  ) {
    this.path = join(dataDir, 'credential.json');
  }

  read(): StoredCredential | null {
    if (!existsSync(this.path)) return null;
    const parsed = StoredSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
    if (!parsed.success) throw new Error(`${this.path} is not an agent credential file; remove it to enroll again`);
    return parsed.data.apiUrl === this.apiUrl ? parsed.data : null;
  }

  /** Written to a temporary file and renamed, so a crash never leaves half a credential. */
  write(c: { agentId: string; credential: string }): void {
    mkdirSync(this.dataDir, { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ apiUrl: this.apiUrl, ...c }), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}
