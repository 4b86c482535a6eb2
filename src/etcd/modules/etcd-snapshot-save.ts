import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { Module, ModuleResult } from '../../modules/types.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { listMembers, memberStatus } from '../cluster-info.js';
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
    timeout: z.number().positive().optional().describe('seconds for the whole transfer (default: the task timeout, else none)'),
  })
  .strict()
  .refine((a) => (a.dest === undefined) !== (a.dest_dir === undefined), { message: 'give exactly one of dest, dest_dir' })
  .refine((a) => (a.dest ?? a.dest_dir ?? '/').startsWith('/'), { message: 'dest / dest_dir must be an absolute path' });

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
  describe: (a) => `etcd snapshot save ${a.dest_host ?? 'this host'}:${a.dest ?? `${a.dest_dir}/etcd-${a.cluster ?? '*'}-*.db`}`,
  factNames: () => FACTS,
  run: (ctx, args) =>
    onThisMember(ctx, async (conn): Promise<ModuleResult> => {
      const a = schema.parse(args);
      const destHost = a.dest_host ?? ctx.transport.host;
      const dir = a.dest !== undefined ? path.posix.dirname(a.dest) : a.dest_dir!;
      const status = await memberStatus(conn, DEFAULT_CALL_TIMEOUT_MS);
      // a snapshot needs no leader (saving one from the last member standing is a recovery step)
      const { members } = await listMembers(conn, DEFAULT_CALL_TIMEOUT_MS, { linearizable: false });
      const memberName = members.find((m) => m.id === status.memberId)?.name || status.memberId;
      if (ctx.check) {
        return { changed: true, msg: `would save a snapshot of ${memberName} (~${humanBytes(status.dbSize)}) to ${destHost}:${a.dest ?? `${dir}/`}` };
      }

      const sink: SnapshotSink =
        destHost === CONTROLLER ? controllerSink(dir) : hostSink(await transportOf(ctx, destHost), dir, ctx.become);
      const started = Date.now();
      let lastLog = started;
      const decoder = new SnapshotStreamDecoder((bytes, remaining) => {
        if (Date.now() - lastLog < 5000) return;
        lastLog = Date.now();
        ctx.log(`snapshot ${humanBytes(bytes)} of ${humanBytes(bytes + (remaining ?? 0))}`);
      });

      const stream = (await conn.client.maintenance.snapshot()) as unknown as Readable & { cancel?: () => void };
      const totalMs = a.timeout !== undefined ? a.timeout * 1000 : ctx.timeoutMs;
      const stop = () => stream.cancel?.();
      const timer = totalMs !== undefined ? setTimeout(stop, totalMs) : undefined;
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

function clusterNameOf(vars: Record<string, unknown>): string {
  const v = vars.etcd_cluster_name;
  return typeof v === 'string' && /^[A-Za-z0-9._-]+$/.test(v) ? v : 'etcd';
}
