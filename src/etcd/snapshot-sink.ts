/**
 * Where a streamed snapshot lands: a file on the controller or on an inventory host. Both are
 * written to a temp name in the target directory first and renamed once complete and checked,
 * so a reader never sees half a snapshot under the final name. Files are 0600: a snapshot holds
 * every secret in the cluster.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { quote } from '../transport/shell-quote.js';
import type { Become, Transport } from '../transport/types.js';

export interface SnapshotSink {
  /** `controller:/path` or `host:/path`, for messages */
  where(file: string): string;
  /** stream into the temp file */
  receive(source: Readable): Promise<void>;
  /** bytes in the temp file, to check that what arrived is what was sent */
  receivedSize(): Promise<number>;
  /** rename the temp file to `file` (in the same dir) and write `file.sha256` */
  commit(file: string, sidecarText: string): Promise<void>;
  /** remove the temp file after a failure */
  abort(): Promise<void>;
}

/**
 * Temp names are random (and put creates them exclusively): in a backup directory that another
 * user can write, a predictable name is a place to plant a symlink that root then writes through.
 */
function tempName(suffix = 'part'): string {
  return `.etcd-snapshot-${randomBytes(8).toString('hex')}.${suffix}`;
}

export function controllerSink(dir: string): SnapshotSink {
  const temp = path.join(dir, tempName());
  return {
    where: (file) => `controller:${file}`,
    async receive(source) {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await pipeline(source, createWriteStream(temp, { mode: 0o600, flags: 'wx' }));
      // on disk before the rename makes it visible under its final name
      const fh = await fs.open(temp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
    receivedSize: async () => (await fs.stat(temp)).size,
    async commit(file, sidecarText) {
      await fs.rename(temp, file);
      const sidecarTemp = `${file}.sha256.${randomBytes(4).toString('hex')}.part`;
      await fs.writeFile(sidecarTemp, sidecarText, { mode: 0o644, flag: 'wx' });
      await fs.rename(sidecarTemp, `${file}.sha256`);
    },
    async abort() {
      await fs.rm(temp, { force: true });
    },
  };
}

export function hostSink(transport: Transport, dir: string, become: Become | false): SnapshotSink {
  const temp = `${dir.replace(/\/+$/, '')}/${tempName()}`;
  const run = async (command: string, what: string) => {
    const r = await transport.exec(command, { become, timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`${transport.host}: ${what} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    return r.stdout;
  };
  return {
    where: (file) => `${transport.host}:${file}`,
    async receive(source) {
      await run(`mkdir -p -m 700 ${quote(dir)}`, `creating ${dir}`);
      await transport.put(source, temp, { mode: 0o600, become });
    },
    receivedSize: async () => Number((await run(`wc -c < ${quote(temp)}`, 'measuring the snapshot')).trim()),
    async commit(file, sidecarText) {
      const sidecarTemp = `${path.posix.dirname(file)}/${tempName('sha256.part')}`;
      await transport.put(Buffer.from(sidecarText), sidecarTemp, { mode: 0o644, become });
      // -T: a final name that is a symlink (to a directory or a file) is replaced, never followed
      await run(
        `sync -f ${quote(temp)} 2>/dev/null || sync; mv -f -T -- ${quote(temp)} ${quote(file)} && mv -f -T -- ${quote(sidecarTemp)} ${quote(`${file}.sha256`)}`,
        `renaming the snapshot into ${file}`,
      ).catch(async (err: unknown) => {
        await transport.exec(`rm -f -- ${quote(sidecarTemp)}`, { become, timeoutMs: 30_000 }).catch(() => undefined);
        throw err;
      });
    },
    async abort() {
      await transport.exec(`rm -f -- ${quote(temp)}`, { become, timeoutMs: 30_000 }).catch(() => undefined);
    },
  };
}
