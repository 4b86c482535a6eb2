import { z } from 'zod';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { hostConfig, inventoryMemberHosts } from '../context.js';
import { formatInitialCluster } from '../initial-cluster.js';
import { chooseOfflineTool } from '../offline-tool.js';
import {
  bumpRevisionSupportCommand,
  membershipProblem,
  parseRestoreProbe,
  restoreCleanupCommand,
  restoreCommand,
  restoreFinishCommand,
  restoreProbeCommand,
  restoreRefusal,
  type RestoreRequest,
} from '../restore-plan.js';
import { integrityProbeCommand, parseIntegrityProbe, type ProbeHashes } from '../snapshot-check.js';
import { detectEtcdVersions } from '../versions.js';
import { failed, membersField } from './common.js';

const schema = z
  .object({
    snapshot: z.string().min(1).describe('path of the snapshot file on this host'),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/)
      .optional()
      .describe('expected sha256 of the file (e.g. etcd_snapshot_sha256 from the save): checked before restoring'),
    name: z.string().min(1).optional().describe("this member's name (default: etcd_name)"),
    initial_cluster: z
      .string()
      .min(1)
      .optional()
      .describe('name=peerURL,... of every member (default: built from the inventory members\' etcd_name and etcd_peer_url)'),
    initial_cluster_token: z
      .string()
      .min(1)
      .optional()
      .describe('a NEW token for the restored cluster, the same on every member (default: etcd-restore-RUNID)'),
    initial_advertise_peer_urls: z.string().min(1).optional().describe('default: etcd_peer_url'),
    data_dir: z.string().min(1).optional().describe('default: etcd_data_dir; must be absent or empty'),
    wal_dir: z.string().min(1).optional().describe('separate WAL dir (default: etcd_wal_dir when set)'),
    skip_hash_check: z
      .boolean()
      .default(false)
      .describe('only for a db file copied from a member (it has no integrity hash); never for a saved snapshot'),
    bump_revision: z.number().int().nonnegative().optional().describe('etcdutl 3.5+: raise revisions by this much (Kubernetes: keeps watchers sane)'),
    mark_compacted: z.boolean().default(false).describe('etcdutl 3.5+: mark the revisions before the bump as compacted (needs bump_revision)'),
    owner: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/)
      .optional()
      .describe('user[:group] to own the restored data dir (default: owner of the existing empty dir, else of its parent)'),
    members: membersField,
  })
  .strict()
  .refine((a) => !a.mark_compacted || a.bump_revision !== undefined, { message: 'mark_compacted needs bump_revision' });

export type EtcdSnapshotRestoreArgs = z.infer<typeof schema>;

function defaultInitialCluster(ctx: ModuleContext, members: EtcdSnapshotRestoreArgs['members']): string {
  const hosts = inventoryMemberHosts(ctx, members);
  return formatInitialCluster(
    hosts.map((h) => {
      const c = hostConfig(ctx, h);
      return { name: c.name, peerUrls: [c.peerUrl] };
    }),
  );
}

/**
 * One member's `snapshot restore` (etcdutl on 3.5+, etcdctl on 3.4) into a new data dir. Refuses
 * a data dir that is not empty: move it aside first so it can be put back. Writes into a staging
 * dir and renames it into place, then gives it to the user etcd runs as.
 */
export const etcdSnapshotRestore: Module<EtcdSnapshotRestoreArgs> = {
  name: 'etcd_snapshot_restore',
  summary: "restore a snapshot into this member's (empty) data dir with the cluster's new initial-cluster",
  schema,
  readOnly: false,
  describe: (a) => `etcd snapshot restore ${a.snapshot}${a.data_dir ? ` --data-dir=${a.data_dir}` : ''}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const t = ctx.transport;
    const config = hostConfig(ctx);
    const run = (command: string, timeoutMs = 600_000) =>
      t.exec(command, { become: ctx.become, timeoutMs: ctx.timeoutMs ?? timeoutMs, signal: ctx.signal });

    const req: RestoreRequest = {
      snapshot: a.snapshot,
      name: a.name ?? config.name,
      initialCluster: a.initial_cluster ?? defaultInitialCluster(ctx, a.members),
      initialClusterToken: a.initial_cluster_token ?? `etcd-restore-${ctx.runId}`,
      initialAdvertisePeerUrls: a.initial_advertise_peer_urls ?? config.peerUrl,
      dataDir: a.data_dir ?? config.dataDir,
      walDir: a.wal_dir ?? config.walDir,
      skipHashCheck: a.skip_hash_check,
      bumpRevision: a.bump_revision,
      markCompacted: a.mark_compacted,
      owner: a.owner,
      runId: ctx.runId,
    };
    const plan = {
      snapshot: req.snapshot,
      name: req.name,
      initial_cluster: req.initialCluster,
      initial_cluster_token: req.initialClusterToken,
      initial_advertise_peer_urls: req.initialAdvertisePeerUrls,
      data_dir: req.dataDir,
      wal_dir: req.walDir ?? null,
    };
    const membership = membershipProblem(req);
    if (membership) return failed(membership, plan);

    // the file: present, the expected one (one read, and only when there is a sha256 to compare
    // with); etcd's appended hash is left to `snapshot restore`, which checks it and refuses a
    // mismatch, so the file is not read once more on every member
    const hashes: ProbeHashes = { whole: a.sha256 !== undefined ? true : 'sidecar', body: false };
    const ip = await run(integrityProbeCommand(req.snapshot, hashes));
    if (ip.exitCode !== 0) return failed(`${t.host}: cannot read ${req.snapshot}: ${ip.stderr.trim()}`, plan);
    const integrity = parseIntegrityProbe(req.snapshot, ip.stdout, hashes);
    if (integrity.problem) return failed(`${t.host}: ${integrity.problem}`, plan);
    if (a.sha256 !== undefined && integrity.sha256 !== a.sha256.toLowerCase()) {
      return failed(`${t.host}: ${req.snapshot} has sha256 ${integrity.sha256}, expected ${a.sha256}: not the same snapshot as the other members`, plan);
    }
    if (!integrity.hasHash && !req.skipHashCheck) {
      return failed(`${t.host}: ${req.snapshot} has no integrity hash (a db file copied from a member, not a saved snapshot): restore it with skip_hash_check: true`, plan);
    }
    if (integrity.hasHash && req.skipHashCheck) {
      return failed(`${t.host}: ${req.snapshot} is a saved snapshot with its integrity hash: restore it without skip_hash_check so the hash is verified`, plan);
    }

    // the target: an empty or absent data dir
    const pr = await run(restoreProbeCommand(req), 60_000);
    if (pr.exitCode !== 0) return failed(`${t.host}: inspecting ${req.dataDir} failed: ${pr.stderr.trim()}`, plan);
    const probe = parseRestoreProbe(pr.stdout);
    req.mountPoint = probe.mountPoint;
    const refusal = restoreRefusal(req, probe);
    if (refusal) return failed(`${t.host}: ${refusal}`, { ...plan, data_dir_state: probe.dataDir });

    const tool = chooseOfflineTool(await detectEtcdVersions(t, config, { become: ctx.become, signal: ctx.signal }), t.host);
    let command: string;
    try {
      command = restoreCommand(req, tool);
    } catch (e) {
      return failed(`${t.host}: ${(e as Error).message}`, plan);
    }
    const owner = req.owner ?? probe.owner;
    const finish = restoreFinishCommand(req, owner);
    const planned = { ...plan, tool: tool.kind, tool_version: tool.version, command, owner: owner ?? null, mount_point: probe.mountPoint };
    if (ctx.check) return { changed: true, msg: `would run: ${command}`, data: planned };

    if (req.bumpRevision !== undefined) {
      const supported = await run(bumpRevisionSupportCommand(tool), 60_000);
      if (supported.exitCode !== 0) {
        return failed(`${t.host}: etcdutl ${tool.version} has no --bump-revision (it came in a later 3.5 release): upgrade etcdutl or leave bump_revision out`, planned);
      }
    }
    ctx.log(command);
    const restored = await run(command);
    if (restored.exitCode !== 0) {
      await run(restoreCleanupCommand(req), 120_000);
      const why = restored.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
      return { changed: false, failed: true, rc: restored.exitCode, stdout: restored.stdout, stderr: restored.stderr, msg: `${t.host}: restore failed: ${why}`, data: planned };
    }
    const placed = await run(finish, 120_000);
    if (placed.exitCode !== 0) {
      return {
        changed: true,
        failed: true,
        rc: placed.exitCode,
        stderr: placed.stderr,
        msg: `${t.host}: restored into the staging dir but could not move it into ${req.dataDir}: ${placed.stderr.trim()}`,
        data: planned,
      };
    }
    return {
      changed: true,
      rc: 0,
      stdout: restored.stdout,
      stderr: restored.stderr,
      msg: `restored ${req.snapshot} into ${req.dataDir} as ${req.name} (${tool.kind} ${tool.version}, token ${req.initialClusterToken})`,
      data: planned,
    };
  },
};
