import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { CommandError } from '../errors.js';
import { hostSha256Command, parseSha256sum } from './lib/checksum.js';
import { resolveControllerPath } from './lib/controller-path.js';
import { controllerSource, hostSource, s3BackupSource, type DistributeSource } from './lib/distribute-source.js';
import { execOrThrow } from './lib/exec.js';
import { FanOut, type FanOutMember } from './lib/fan-out.js';
import { applyAttrsCommand, attrChanges, describeAttrChanges, describeAttrs } from './lib/file-attrs.js';
import { finalizeScript, finalizeSha256Mismatch, putTemp, removeQuietly } from './lib/install-file.js';
import { ByteCounter, rateMBps, TransferProgress } from './lib/progress.js';
import { statRemote, tempPathFor } from './lib/remote-file.js';
import { groupField, modeField, ownerField, remotePath } from './lib/schema-fields.js';
import type { Module, ModuleContext, ModuleResult } from './types.js';

const schema = z
  .object({
    src: z.string().min(1).optional().describe('file on the controller, relative to the playbook directory'),
    src_host: z.string().min(1).optional().describe('inventory host to read the file from (with src_path) instead of the controller'),
    src_path: z.string().min(1).optional().describe('absolute path of the file on src_host'),
    src_url: z
      .string()
      .regex(/^s3:\/\//, { message: 'must be s3://bucket/prefix/NAME' })
      .optional()
      .describe('a backup in object storage (s3://...): downloaded, decrypted, decompressed and sha256-checked as it streams'),
    identity_file: z.string().optional().describe('age identity file on the controller, with src_url for an encrypted backup'),
    s3_endpoint: z.string().optional().describe('with src_url: http(s)://host:port of an S3-compatible store'),
    s3_path_style: z.boolean().optional().describe('with src_url: path-style S3 addressing'),
    dest: remotePath('absolute path of the file on every targeted host'),
    mode: modeField,
    owner: ownerField,
    group: groupField,
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex digits' })
      .optional()
      .describe('expected sha256 of the source; the copy fails if the source is anything else'),
  })
  .strict()
  .superRefine((a, ctx) => {
    const fromHost = a.src_host !== undefined || a.src_path !== undefined;
    if ([a.src !== undefined, fromHost, a.src_url !== undefined].filter(Boolean).length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give src, or src_host with src_path, or src_url' });
    }
    if (fromHost && (a.src_host === undefined || a.src_path === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'src_host and src_path go together' });
    }
    if (a.src_path !== undefined && !a.src_path.startsWith('/')) {
      ctx.addIssue({ code: 'custom', path: ['src_path'], message: 'must be an absolute path on src_host' });
    }
  });

export type DistributeArgs = z.infer<typeof schema>;

export interface DistributeData {
  dest: string;
  src: string;
  checksum?: string;
  size?: number;
  /** transfer time and rate as this host saw them */
  seconds?: number;
  mb_per_s?: number;
  [key: string]: unknown;
}

type DistributeResult = ModuleResult & { data: DistributeData };

/** shared by every host of a run: targets of one task stream one read of the source */
const fanOut = new FanOut();

/**
 * Copy one (large) file to many hosts: streamed without a temp file on the controller, written
 * to a temp name on each target, verified with its sha256 there, then renamed into place.
 */
export const distribute = {
  name: 'distribute',
  summary: 'stream one file to many hosts at once, sha256-verified on each',
  schema,
  readOnly: false,
  describe(a) {
    const from = a.src ?? a.src_url ?? `${a.src_host}:${a.src_path}`;
    return `distribute ${from} -> ${a.dest}${describeAttrs(a)}${a.sha256 ? ` (sha256 ${a.sha256.slice(0, 12)}…)` : ''}`;
  },
  async run(ctx, a): Promise<DistributeResult> {
    const source =
      a.src_url !== undefined
        ? await s3BackupSource(ctx, a.src_url, { identityFile: a.identity_file || undefined, s3: { endpoint: a.s3_endpoint || undefined, pathStyle: a.s3_path_style } })
        : a.src !== undefined
          ? controllerSource(ctx, resolveControllerPath(ctx.vars, a.src, 'files'))
          : hostSource(ctx, a.src_host!, a.src_path!);
    // join before the first round trip, so every host of the batch lands in the same group; the
    // dest is not part of the key: the bytes are the same wherever each host puts them
    const member = fanOut.join(`${ctx.runId}\0${source.id}`, () => source.open(), batchSize(ctx));
    try {
      return await distributeTo(ctx, a, source, member);
    } finally {
      member.leave();
    }
  },
} satisfies Module<DistributeArgs>;

async function distributeTo(ctx: ModuleContext, a: DistributeArgs, source: DistributeSource, member: FanOutMember): Promise<DistributeResult> {
  /** what the source must hash to: given by the task, or computed when a same-size dest made us ask */
  let expected = a.sha256?.toLowerCase();
  const data: DistributeData = { dest: a.dest, src: source.label };
  const [size, st] = await Promise.all([source.size(), statRemote(ctx, a.dest)]);
  data.size = size;
  if (st.exists && st.type !== 'file') return { changed: false, failed: true, msg: `${a.dest} exists and is a ${st.type}`, data };

  // only a dest of the same size can already be the file: then (and only then) compare checksums
  if (st.exists && st.size === size) {
    const [want, have] = await Promise.all([expected ?? source.sha256(), remoteSha256(ctx, a.dest, st.size)]);
    expected = want;
    if (want === have) {
      member.leave();
      data.checksum = want;
      const attrs = attrChanges(st, a);
      if (attrs.length === 0) return { changed: false, msg: 'already up to date', data };
      if (!ctx.check) await execOrThrow(ctx, applyAttrsCommand(a.dest, a), `set attributes of ${a.dest}`);
      return { changed: true, msg: `attributes changed: ${describeAttrChanges(attrs)}`, data };
    }
  }
  if (ctx.check) {
    member.leave();
    return { changed: true, msg: `would copy ${size} bytes from ${source.label}`, data };
  }

  // with an expected sha256 the host checks its copy against it: no hashing here on the way
  const { stream, digest } = member.take({ hash: expected === undefined });
  const progress = new TransferProgress(size, ctx.log, `${source.label} -> ${a.dest}`);
  const counter = new ByteCounter((n) => progress.update(n));
  const abort = () => stream.destroy(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted'));
  ctx.signal.addEventListener('abort', abort, { once: true });
  const tmp = tempPathFor(a.dest);
  const started = performance.now();
  // a put that fails must also end the pipeline, or this target would hold the shared source
  const put = putTemp(ctx, counter, tmp).catch((err: unknown) => {
    counter.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  });
  // both settle before going on, so a failed put has removed its temp file by the time we report
  const [putDone, piped] = await Promise.allSettled([put, pipeline(stream, counter)]);
  ctx.signal.removeEventListener('abort', abort);
  // a broken source is the cause when both failed; the put only saw its stdin end early
  if (piped.status === 'rejected') {
    await removeQuietly(ctx, tmp);
    throw piped.reason;
  }
  if (putDone.status === 'rejected') throw putDone.reason;
  const ms = performance.now() - started;
  const read = await digest;
  const sha256 = expected ?? read.sha256;
  if (read.size !== size || sha256 === undefined || (read.sha256 !== undefined && read.sha256 !== sha256)) {
    await removeQuietly(ctx, tmp);
    const why =
      read.size !== size ? `${read.size} bytes were read, ${size} expected (did it change?)` : `its sha256 is ${read.sha256 ?? 'unknown'}, expected ${sha256}`;
    return { changed: false, failed: true, msg: `source ${source.label} is not the expected file: ${why}`, data };
  }
  // the host checks its copy against the given sha256 or what the controller read, then renames
  // it into place; a mismatch there is this task's failure, like one found here
  try {
    await execOrThrow(ctx, finalizeScript({ tmp, dest: a.dest, sha256, size: read.size, current: st, want: a }), `install ${a.dest}`);
  } catch (err) {
    const got = err instanceof CommandError ? finalizeSha256Mismatch(err.stderr) : undefined;
    if (got === undefined) throw err;
    const msg =
      expected !== undefined
        ? `source ${source.label} is not the expected file: ${ctx.host} received bytes with sha256 ${got}, expected ${sha256}`
        : `the copy on ${ctx.host} does not match what was sent (sha256 ${got}, sent ${sha256}): the transfer or the disk damaged it`;
    return { changed: false, failed: true, msg, data };
  }
  progress.finish(read.size);
  data.checksum = sha256;
  data.seconds = Math.round(ms) / 1000;
  data.mb_per_s = Math.round(rateMBps(read.size, ms) * 10) / 10;
  return { changed: true, msg: `copied ${read.size} bytes (${data.mb_per_s} MB/s)`, data };
}

/** how many hosts run this task at most (a lone target need not wait for company) */
function batchSize(ctx: ModuleContext): number | undefined {
  const batch = ctx.vars.ansible_play_batch;
  return Array.isArray(batch) && batch.length > 0 ? batch.length : undefined;
}

async function remoteSha256(ctx: ModuleContext, path: string, size: number): Promise<string | undefined> {
  const r = await execOrThrow(ctx, hostSha256Command(path, size), `sha256 of ${path}`);
  return parseSha256sum(r.stdout);
}
