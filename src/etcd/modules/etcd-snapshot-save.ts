import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { Module, ModuleResult } from '../../modules/types.js';
import { parseRecipients } from '../../backup/age-stream.js';
import { parseS3Prefix, s3Url } from '../../backup/s3-location.js';
import type { ModuleContext } from '../../modules/types.js';
import { runbookVersion } from '../../util/runbook-version.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS, type EtcdConnection } from '../client.js';
import { listMembers, memberStatus, type MemberStatus } from '../cluster-info.js';
import { transportOf } from '../context.js';
import { controllerSink, hostSink, type SnapshotSink } from '../snapshot-sink.js';
import { backupName } from '../../schedule/backup-name.js';
import { sha256SidecarText, SnapshotStreamDecoder } from '../snapshot-stream.js';
import { failed, humanBytes, onThisMember } from './common.js';

const CONTROLLER = 'localhost';

const schema = z
  .object({
    dest: z.string().min(1).optional().describe('path of the snapshot file (absolute)'),
    dest_dir: z
      .string()
      .min(1)
      .optional()
      .describe('directory for a file named etcd-CLUSTER-TIME-revREVISION.db (instead of dest): the name retention (backup_prune) recognises'),
    cluster: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .optional()
      .describe('cluster name in the dest_dir file name (default: etcd_cluster_name, else etcd)'),
    dest_host: z
      .string()
      .min(1)
      .optional()
      .describe('inventory host to write on, or localhost for the controller (default: the host the task runs on)'),
    dest_url: z
      .string()
      .min(1)
      .optional()
      .describe('s3://bucket/prefix: stream the snapshot, gzip-compressed and age-encrypted, into object storage (instead of dest_dir)'),
    recipients: z
      .union([z.array(z.string()), z.string()])
      .optional()
      .describe('age public keys (age1...) to encrypt for, with dest_url: a list or a comma-separated string'),
    allow_plaintext: z.boolean().optional().describe('with dest_url and no recipients: upload unencrypted (refused otherwise)'),
    s3_endpoint: z.string().optional().describe('http(s)://host:port of an S3-compatible store (default: AWS_ENDPOINT_URL_S3, the AWS chain)'),
    s3_path_style: z.boolean().optional().describe('path-style S3 addressing, for S3-compatible stores (default: RUNBOOK_S3_PATH_STYLE)'),
    timeout: z.number().positive().optional().describe('seconds for the whole transfer (default: the task timeout, else none)'),
  })
  .strict()
  .refine((a) => [a.dest, a.dest_dir, a.dest_url].filter((d) => d !== undefined).length === 1, { message: 'give exactly one of dest, dest_dir, dest_url' })
  .refine((a) => (a.dest ?? a.dest_dir ?? '/').startsWith('/'), { message: 'dest / dest_dir must be an absolute path' })
  .superRefine((a, ctx) => {
    if (a.dest_url === undefined) return;
    try {
      parseS3Prefix(a.dest_url);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['dest_url'], message: (e as Error).message });
    }
    try {
      if (parseRecipients(a.recipients).length === 0 && a.allow_plaintext !== true) {
        ctx.addIssue({ code: 'custom', path: ['recipients'], message: 'an etcd snapshot holds every Secret of the cluster: give age recipients (public keys) to encrypt it for, or allow_plaintext: true to upload it unencrypted' });
      }
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['recipients'], message: (e as Error).message });
    }
  });

export type EtcdSnapshotSaveArgs = z.infer<typeof schema>;

const FACTS = ['etcd_snapshot_path', 'etcd_snapshot_host', 'etcd_snapshot_sha256', 'etcd_snapshot_size', 'etcd_snapshot_revision'];

/**
 * `etcdctl snapshot save`, done from the controller: the Snapshot RPC of this member is streamed
 * through the SSH connection straight into the destination file, hashed on the way, checked
 * against the hash etcd appends, renamed into place, and FILE.sha256 written beside it.
 */
export const etcdSnapshotSave: Module<EtcdSnapshotSaveArgs> = {
  name: 'etcd_snapshot_save',
  summary: 'stream a snapshot of this member to a file on a host or the controller, with FILE.sha256',
  schema,
  readOnly: false,
  // an upload to object storage cut off is aborted and leaves no object: a first Ctrl-C stops it
  stopsCleanly: (a) => a.dest_url !== undefined,
  describe: (a) =>
    a.dest_url !== undefined
      ? `etcd snapshot save -> ${a.dest_url.replace(/\/+$/, '')}/etcd-${a.cluster ?? '*'}-*.db.gz${parseRecipients(a.recipients).length ? '.age' : ''}`
      : `etcd snapshot save ${a.dest_host ?? 'this host'}:${a.dest ?? `${a.dest_dir}/etcd-${a.cluster ?? '*'}-*.db`}`,
  factNames: () => FACTS,
  run: (ctx, args) =>
    onThisMember(ctx, async (conn): Promise<ModuleResult> => {
      const a = schema.parse(args);
      const status = await memberStatus(conn, DEFAULT_CALL_TIMEOUT_MS);
      // a snapshot needs no leader (saving one from the last member standing is a recovery step)
      const { members } = await listMembers(conn, DEFAULT_CALL_TIMEOUT_MS, { linearizable: false });
      const memberName = members.find((m) => m.id === status.memberId)?.name || status.memberId;
      if (a.dest_url !== undefined) return saveToS3(ctx, conn, a, a.dest_url, status, memberName);
      const destHost = a.dest_host ?? ctx.transport.host;
      const dir = a.dest !== undefined ? path.posix.dirname(a.dest) : a.dest_dir!;
      if (ctx.check) {
        return { changed: true, msg: `would save a snapshot of ${memberName} (~${humanBytes(status.dbSize)}) to ${destHost}:${a.dest ?? `${dir}/`}` };
      }

      const sink: SnapshotSink =
        destHost === CONTROLLER ? controllerSink(dir) : hostSink(await transportOf(ctx, destHost), dir, ctx.become);
      const started = Date.now();
      const { decoder, stream, stop, timer } = await openSnapshotStream(ctx, conn, a.timeout);
      ctx.signal.addEventListener('abort', stop, { once: true });
      try {
        // the decoder's readable side is what the sink consumes
        await Promise.all([pipeline(stream, decoder), sink.receive(decoder)]);
        const received = await sink.receivedSize();
        if (received !== decoder.bytes) throw new Error(`wrote ${received} bytes but received ${decoder.bytes}`);
      } catch (e) {
        // the destination may have failed first: stop the member sending
        stop();
        await sink.abort();
        const why = ctx.signal.aborted ? 'interrupted' : (e as Error).message;
        return failed(`snapshot of ${memberName} to ${destHost}:${dir} failed: ${why}`);
      } finally {
        if (timer) clearTimeout(timer);
        ctx.signal.removeEventListener('abort', stop);
      }

      // 3.4 sends no revision with the stream: the status read just before is the closest
      const revision = decoder.revision ?? status.revision;
      const cluster = a.cluster ?? clusterNameOf(ctx.vars);
      const file = a.dest ?? path.posix.join(dir, backupName(cluster, new Date(started), revision));
      const sha256 = decoder.sha256!;
      try {
        await sink.commit(file, sha256SidecarText(sha256, path.posix.basename(file)));
      } catch (e) {
        await sink.abort();
        return failed(`snapshot received but not stored at ${sink.where(file)}: ${(e as Error).message}`);
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      return {
        changed: true,
        msg: `Snapshot of ${memberName} saved at ${sink.where(file)} (${humanBytes(decoder.bytes)}, revision ${revision}, ${seconds}s, sha256 ${sha256})`,
        data: { path: file, host: destHost, sha256, size: decoder.bytes, revision, member: memberName, member_id: status.memberId },
        facts: {
          etcd_snapshot_path: file,
          etcd_snapshot_host: destHost,
          etcd_snapshot_sha256: sha256,
          etcd_snapshot_size: decoder.bytes,
          etcd_snapshot_revision: revision,
        },
      };
    }),
};

/** the snapshot streamed into object storage: etcd -> SSH -> here -> gzip -> age -> bucket */
async function saveToS3(ctx: ModuleContext, conn: EtcdConnection, a: EtcdSnapshotSaveArgs, url: string, status: MemberStatus, memberName: string): Promise<ModuleResult> {
  const location = parseS3Prefix(url);
  const recipients = parseRecipients(a.recipients);
  const cluster = a.cluster ?? clusterNameOf(ctx.vars);
  const suffix = recipients.length ? '.gz.age' : '.gz';
  if (ctx.check) {
    return { changed: true, msg: `would stream a snapshot of ${memberName} (~${humanBytes(status.dbSize)}) to ${s3Url(location, `etcd-${cluster}-*${suffix}`)}` };
  }
  const { backupToS3 } = await import('../../backup/s3-backup.js');
  const started = new Date();
  let firstSeen!: () => void;
  const first = new Promise<void>((resolve) => (firstSeen = resolve));
  const { decoder, stream, stop, timer } = await openSnapshotStream(ctx, conn, a.timeout, () => firstSeen());
  const interrupted = new AbortController();
  const onAbort = () => {
    stop();
    interrupted.abort();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // 3.4 sends no revision with the stream: the status read just before is the closest
  const revisionOf = () => decoder.revision ?? status.revision;
  let result;
  try {
    result = await backupToS3({
      location,
      s3: { endpoint: a.s3_endpoint || undefined, pathStyle: a.s3_path_style },
      recipients,
      source: stream,
      decoder,
      started: first,
      nameOf: () => backupName(cluster, started, revisionOf(), suffix),
      metaOf: async (storedSize) => ({
        format: 'runbook-etcd-backup/1',
        sha256: decoder.sha256!,
        size: decoder.bytes,
        stored_size: storedSize,
        cluster,
        cluster_id: status.clusterId,
        member: memberName,
        revision: revisionOf(),
        etcd_version: status.version,
        keys: await keysAt(conn, revisionOf()),
        runbook_version: runbookVersion(),
        created: started.toISOString(),
        compression: 'gzip',
        encryption: { kind: recipients.length ? 'age' : 'none', recipients },
      }),
      signal: interrupted.signal,
      log: ctx.log,
    });
  } catch (e) {
    stop();
    const why = ctx.signal.aborted ? 'interrupted' : (e as Error).message;
    return failed(`snapshot of ${memberName} to ${url} failed: ${why}; nothing was stored as a backup`);
  } finally {
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  const m = result.meta;
  const seconds = ((Date.now() - started.getTime()) / 1000).toFixed(1);
  return {
    changed: true,
    msg:
      `Snapshot of ${memberName} saved at ${result.url} (${humanBytes(m.size)}, ${humanBytes(m.stored_size)} stored, revision ${m.revision}, ` +
      `${m.keys ?? '?'} keys, ${recipients.length ? `encrypted for ${recipients.length} recipient(s)` : 'NOT encrypted'}, ${seconds}s, sha256 ${m.sha256})`,
    data: {
      path: result.url,
      url: result.url,
      host: 'localhost',
      sha256: m.sha256,
      size: m.size,
      stored_size: m.stored_size,
      revision: m.revision,
      keys: m.keys,
      member: memberName,
      member_id: status.memberId,
      encrypted: recipients.length > 0,
    },
    facts: {
      etcd_snapshot_path: result.url,
      etcd_snapshot_host: 'localhost',
      etcd_snapshot_sha256: m.sha256,
      etcd_snapshot_size: m.size,
      etcd_snapshot_revision: m.revision,
    },
  };
}

/** live keys at the snapshot's revision (null when that revision is compacted away already) */
async function keysAt(conn: EtcdConnection, revision: number): Promise<number | null> {
  try {
    const r = await conn.client.kv.range(
      { key: Buffer.from([0]), range_end: Buffer.from([0]), count_only: true, revision },
      callOptions(DEFAULT_CALL_TIMEOUT_MS),
    );
    return Number(r.count);
  } catch {
    return null;
  }
}

/**
 * The member's snapshot stream and its decoder (progress every 5 s, sha256, revision), cancelled
 * by `stop` or when the task's timeout (`timeout` seconds, else the context's) runs out.
 */
async function openSnapshotStream(ctx: ModuleContext, conn: EtcdConnection, timeout: number | undefined, onBytes?: () => void) {
  let lastLog = Date.now();
  const decoder = new SnapshotStreamDecoder((bytes, remaining) => {
    onBytes?.();
    if (Date.now() - lastLog < 5000) return;
    lastLog = Date.now();
    ctx.log(`snapshot ${humanBytes(bytes)} of ${humanBytes(bytes + (remaining ?? 0))}`);
  });
  const stream = (await conn.client.maintenance.snapshot()) as unknown as Readable & { cancel?: () => void };
  const totalMs = timeout !== undefined ? timeout * 1000 : ctx.timeoutMs;
  const stop = () => stream.cancel?.();
  const timer = totalMs !== undefined ? setTimeout(stop, totalMs) : undefined;
  return { decoder, stream, stop, timer };
}

function clusterNameOf(vars: Record<string, unknown>): string {
  const v = vars.etcd_cluster_name;
  return typeof v === 'string' && /^[A-Za-z0-9._-]+$/.test(v) ? v : 'etcd';
}
