import { z } from 'zod';
import type { Module, ModuleResult } from '../../modules/types.js';
import { hostConfig } from '../context.js';
import { chooseOfflineTool } from '../offline-tool.js';
import { integrityProbeCommand, parseIntegrityProbe, parseSnapshotStatus, snapshotStatusCommand } from '../snapshot-check.js';
import { detectEtcdVersions } from '../versions.js';
import { failed, humanBytes } from './common.js';
import { isS3Url } from '../../backup/s3-location.js';

const schema = z
  .object({
    snapshot: z.string().min(1).describe('path of the snapshot file on the host the task runs on, or s3://bucket/prefix/NAME of a backup in object storage'),
    identity_file: z.string().optional().describe('age identity file on the controller, for an encrypted backup in object storage'),
    s3_endpoint: z.string().optional().describe('http(s)://host:port of an S3-compatible store (default: AWS_ENDPOINT_URL_S3, the AWS chain)'),
    s3_path_style: z.boolean().optional().describe('path-style S3 addressing (default: RUNBOOK_S3_PATH_STYLE)'),
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
    if (isS3Url(a.snapshot)) return statusOfS3Backup(a, ctx.signal);
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

/**
 * A backup in object storage: downloaded, decrypted, decompressed and checked against the
 * sha256 and size in its metadata, all in one pass with nothing written to disk; revision and
 * keys come from the metadata. A wrong or missing identity, or a damaged object, fails here.
 */
async function statusOfS3Backup(a: EtcdSnapshotStatusArgs, signal: AbortSignal): Promise<ModuleResult> {
  const { openS3Backup, verifyS3Backup } = await import('../../backup/s3-source.js');
  try {
    const backup = await openS3Backup(a.snapshot, { identityFile: a.identity_file || undefined, s3: { endpoint: a.s3_endpoint || undefined, pathStyle: a.s3_path_style } });
    const { seconds } = await verifyS3Backup(backup, signal);
    const m = backup.meta;
    return {
      changed: false,
      msg: `${a.snapshot}: revision ${m.revision}, ${m.keys ?? '?'} keys, ${humanBytes(m.size)} (${humanBytes(m.stored_size)} stored), sha256 ${m.sha256} checked after ${m.encryption.kind === 'age' ? 'decryption and ' : ''}decompression in ${seconds.toFixed(1)}s`,
      data: {
        size: m.size,
        sha256: m.sha256,
        has_integrity_hash: true,
        integrity_hash_ok: true,
        sha256_file_ok: true,
        revision: m.revision,
        total_keys: m.keys ?? 0,
        cluster: m.cluster,
        cluster_id: m.cluster_id,
        etcd_version: m.etcd_version,
        created: m.created,
        encrypted: m.encryption.kind === 'age',
      },
    };
  } catch (e) {
    return failed(`${a.snapshot} cannot be used: ${(e as Error).message}`);
  }
}
