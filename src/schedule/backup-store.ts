/**
 * Where backups live: a directory on the controller, or one on an inventory host reached over
 * the run's SSH transport. Both list plain files and delete named ones; what counts as a
 * backup is decided in backup-name.ts, what goes in retention.ts.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from '../transport/shell-quote.js';
import type { Become, Transport } from '../transport/types.js';
import type { DirEntry } from './backup-name.js';

export interface BackupStore {
  /** `/var/backups/etcd` or `node1:/var/backups/etcd`, for messages */
  readonly where: string;
  list(): Promise<DirEntry[]>;
  /** delete these files of the directory, in this order; stops at the first failure */
  remove(names: readonly string[]): Promise<void>;
}

function plainName(name: string): string {
  // names come from the listing, but a deletion must never leave the directory
  if (name.includes('/') || name === '.' || name === '..') throw new Error(`refusing to delete "${name}": not a plain file name`);
  return name;
}

export class LocalBackupStore implements BackupStore {
  constructor(readonly dir: string) {}
  get where(): string {
    return this.dir;
  }
  async list(): Promise<DirEntry[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const files = entries.filter((e) => e.isFile());
    return Promise.all(files.map(async (e) => ({ name: e.name, size: (await stat(join(this.dir, e.name))).size })));
  }
  async remove(names: readonly string[]): Promise<void> {
    for (const n of names) await unlink(join(this.dir, plainName(n)));
  }
}

export class RemoteBackupStore implements BackupStore {
  constructor(
    private readonly transport: Transport,
    readonly dir: string,
    private readonly become: Become | false = false,
  ) {}
  get where(): string {
    return `${this.transport.host}:${this.dir}`;
  }
  async list(): Promise<DirEntry[]> {
    // GNU find: name and size of plain files, tab separated; control-plane hosts are Linux
    // find takes no `--`: a dir starting with '-' would be read as an option, so make it ./-x
    const r = await this.transport.exec(`find ${quote(this.dir.startsWith('-') ? `./${this.dir}` : this.dir)} -mindepth 1 -maxdepth 1 -type f -printf '%f\\t%s\\n'`, { become: this.become, timeoutMs: 60_000 });
    if (r.exitCode !== 0) throw new Error(`${this.where}: cannot list backups: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}`);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const tab = line.lastIndexOf('\t');
        return { name: line.slice(0, tab), size: Number(line.slice(tab + 1)) };
      });
  }
  async remove(names: readonly string[]): Promise<void> {
    if (!names.length) return;
    const paths = names.map((n) => quote(`${this.dir.replace(/\/+$/, '')}/${plainName(n)}`));
    // one rm per file, in order, stopping at the first failure (set -e)
    const script = `set -e; ${paths.map((p) => `rm -f -- ${p}`).join('; ')}`;
    const r = await this.transport.exec(script, { become: this.become, timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`${this.where}: deleting backups failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}`);
  }
}
