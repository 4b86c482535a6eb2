import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ModuleContext } from '../types.js';
import { hostSha256Command, parseSha256sum, sha256OfFile } from './checksum.js';
import { execOrThrow } from './exec.js';
import { statRemote } from './remote-file.js';
import { checkTrustedFile } from '../../util/trusted-files.js';

/**
 * Where `distribute` reads from: a controller file or a file on an inventory host. The size is
 * cheap; the sha256 is a full read, so it is only asked for when a target already has a file
 * of the same size, and computed once per run however many targets ask.
 */
export interface DistributeSource {
  /** identifies the source within a run (for sharing one stream and one checksum) */
  id: string;
  /** for messages: `snap.db` or `node1:/var/backups/snap.db` */
  label: string;
  size(): Promise<number>;
  sha256(): Promise<string>;
  open(): Promise<Readable>;
}

// checksums of sources, per run; bounded so a long-lived scheduler process does not grow
const checksums = new Map<string, Promise<string>>();
const MAX_CACHED = 128;

function cached(key: string, compute: () => Promise<string>): Promise<string> {
  let p = checksums.get(key);
  if (p === undefined) {
    p = compute();
    // a failed computation is not remembered: the next host tries again
    p.catch(() => checksums.delete(key));
    checksums.set(key, p);
    if (checksums.size > MAX_CACHED) checksums.delete(checksums.keys().next().value!);
  }
  return p;
}

export function controllerSource(ctx: ModuleContext, path: string): DistributeSource {
  const info = stat(path);
  // rejections are reported by size()/sha256(); never unhandled
  info.catch(() => {});
  return {
    id: `controller:${path}`,
    label: path,
    size: async () => {
      checkTrustedFile(path, 'source file');
      const s = await info;
      if (!s.isFile()) throw new Error(`${path} is not a regular file`);
      return s.size;
    },
    async sha256() {
      const s = await info;
      // mtime and size in the key: a file rewritten during a run is hashed again
      return cached(`${ctx.runId}|${path}|${s.size}|${s.mtimeMs}`, async () => (await sha256OfFile(path, ctx.signal)).sha256);
    },
    open: async () => createReadStream(path, { highWaterMark: 1024 * 1024 }),
  };
}

export function hostSource(ctx: ModuleContext, host: string, path: string): DistributeSource {
  const source = ctx.transportFor(host).then((transport): ModuleContext => ({ ...ctx, host, transport }));
  source.catch(() => {});
  return {
    id: `host:${host}:${path}`,
    label: `${host}:${path}`,
    async size() {
      const st = await statRemote(await source, path);
      if (!st.exists) throw new Error(`${host}:${path} does not exist`);
      if (st.type !== 'file') throw new Error(`${host}:${path} is a ${st.type}, not a file`);
      return st.size;
    },
    sha256: () =>
      cached(`${ctx.runId}|${host}|${path}`, async () => {
        const r = await execOrThrow(await source, hostSha256Command(path), `sha256 of ${host}:${path}`);
        const sum = parseSha256sum(r.stdout);
        if (sum === undefined) throw new Error(`no sha256 printed for ${host}:${path}: ${r.stdout.trim().slice(0, 200)}`);
        return sum;
      }),
    open: async () => (await source).transport.get(path, { become: ctx.become }),
  };
}

/**
 * A backup in object storage: the plain snapshot, streamed from the bucket through decryption
 * and decompression, never written on the controller; its size and sha256 are the metadata's,
 * and the stream fails at its end if the bytes are not those (s3-source.ts). Opened once per
 * run and task, however many members ask.
 */
const s3Backups = new Map<string, Promise<import('../../backup/s3-source.js').S3Backup>>();

export async function s3BackupSource(
  ctx: ModuleContext,
  url: string,
  opts: import('../../backup/s3-source.js').OpenS3BackupOptions,
): Promise<DistributeSource> {
  const cacheKey = `${ctx.runId}|${url}|${opts.identityFile ?? ''}`;
  let opened = s3Backups.get(cacheKey);
  if (opened === undefined) {
    const { openS3Backup } = await import('../../backup/s3-source.js');
    opened = openS3Backup(url, opts);
    opened.catch(() => s3Backups.delete(cacheKey));
    s3Backups.set(cacheKey, opened);
    if (s3Backups.size > MAX_CACHED) s3Backups.delete(s3Backups.keys().next().value!);
  }
  const backup = await opened;
  return {
    id: `s3:${url}`,
    label: url,
    size: async () => backup.meta.size,
    sha256: async () => backup.meta.sha256,
    open: () => backup.open(ctx.signal),
  };
}
