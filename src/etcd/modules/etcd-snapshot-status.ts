import { z } from 'zod';
import type { Module, ModuleResult } from '../../modules/types.js';
import { hostConfig } from '../context.js';
import { chooseOfflineTool } from '../offline-tool.js';
import { integrityProbeCommand, parseIntegrityProbe, parseSnapshotStatus, snapshotStatusCommand } from '../snapshot-check.js';
import { detectEtcdVersions } from '../versions.js';
import { failed, humanBytes } from './common.js';

const schema = z
  .object({
    snapshot: z.string().min(1).describe('path of the snapshot file on the host the task runs on'),
  })
  .strict();

export type EtcdSnapshotStatusArgs = z.infer<typeof schema>;

/**
 * `snapshot status -w json` (etcdutl on 3.5+, etcdctl on 3.4) on the host that holds the file,
 * after checking the file is there, not empty, matches FILE.sha256 if present, and ends with the
 * sha256 etcd appends (which `snapshot status` never looks at).
 */
export const etcdSnapshotStatus: Module<EtcdSnapshotStatusArgs> = {
  name: 'etcd_snapshot_status',
  summary: 'check a snapshot file (integrity hash, FILE.sha256) and read its hash, revision, keys and size',
  schema,
  readOnly: true,
  describe: (a) => `etcd snapshot status ${a.snapshot}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const t = ctx.transport;
    const probe = await t.exec(integrityProbeCommand(a.snapshot), { become: ctx.become, timeoutMs: ctx.timeoutMs ?? 600_000, signal: ctx.signal });
    if (probe.exitCode !== 0) return failed(`${t.host}: cannot read ${a.snapshot}: ${probe.stderr.trim()}`);
    const integrity = parseIntegrityProbe(a.snapshot, probe.stdout);
    const integrityData = {
      size: integrity.size,
      sha256: integrity.sha256 ?? null,
      has_integrity_hash: integrity.hasHash,
      integrity_hash_ok: integrity.hashOk ?? null,
      sha256_file_ok: integrity.sidecarOk ?? null,
    };
    if (integrity.problem) return failed(`${t.host}: ${integrity.problem}`, integrityData);

    const config = hostConfig(ctx);
    const tool = chooseOfflineTool(await detectEtcdVersions(t, config, { become: ctx.become, signal: ctx.signal }), t.host);
    const command = snapshotStatusCommand(tool, a.snapshot);
    const r = await t.exec(command, { become: ctx.become, timeoutMs: ctx.timeoutMs ?? 600_000, signal: ctx.signal });
    if (r.exitCode !== 0) {
      const why = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.exitCode}`;
      return failed(`${t.host}: ${a.snapshot} is not a readable etcd snapshot: ${why}`, { ...integrityData, command });
    }
    let status;
    try {
      status = parseSnapshotStatus(r.stdout);
    } catch (e) {
      return failed(`${t.host}: ${(e as Error).message}`, { ...integrityData, command });
    }
    const note = integrity.hasHash ? 'integrity hash ok' : 'no integrity hash (a copied db file: restore needs skip_hash_check)';
    return {
      changed: false,
      msg:
        `${a.snapshot}: revision ${status.revision}, ${status.totalKey} key revisions, ${humanBytes(status.totalSize)}, hash ${status.hash}, ${note}` +
        (integrity.sidecarOk ? ', matches .sha256' : ''),
      data: {
        ...integrityData,
        hash: status.hash,
        revision: status.revision,
        total_keys: status.totalKey,
        total_size: status.totalSize,
        storage_version: status.version ?? null,
        tool: tool.kind,
        command,
      },
    };
  },
};
