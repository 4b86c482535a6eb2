/**
 * `static_pod_flags`: set `--flag=value` items of one container of a kubelet static pod's manifest
 * (kube-controller-manager's `--node-monitor-grace-period`, ...), or put a backup back. The edit
 * is the etcd manifest work's (manifest-text.ts): only the changed items' bytes change, comments
 * and unrelated fields stay, the result is parsed again and compared before it is written. The
 * temp file and the backup go to the staging dir beside the manifests dir (manifest-file.ts):
 * the kubelet runs every file it finds in the manifests dir.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { ConfigTextError, OPTION_NAME } from '../../etcd/modules/config-text.js';
import { stagingDirFor, writeManifest } from '../../etcd/modules/manifest-file.js';
import { ManifestError, setManifestFlags } from '../../etcd/modules/manifest-text.js';
import { execOrThrow } from '../../modules/lib/exec.js';
import { readRemoteFile, statRemote } from '../../modules/lib/remote-file.js';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { sh } from '../../transport/shell-quote.js';

const schema = z
  .object({
    manifest: z.string().startsWith('/', 'must be an absolute path').describe('the static pod manifest, e.g. /etc/kubernetes/manifests/kube-controller-manager.yaml'),
    container: z.string().min(1).describe('the container whose command carries the flags, e.g. kube-controller-manager'),
    set: z
      .record(z.string().regex(OPTION_NAME, 'a flag as it is spelled, without dashes: node-monitor-grace-period'), z.union([z.string(), z.number(), z.boolean()]))
      .refine((r) => Object.keys(r).length > 0, 'set at least one flag')
      .optional()
      .describe('flags to set, without dashes: {node-monitor-grace-period: 40s}; a missing flag is added after the last item'),
    restore: z.string().startsWith('/', 'must be an absolute path').optional().describe('instead of set: put this backup (a backup_file this module returned) back, atomically; for undo'),
    backup: z.boolean().default(true).describe('keep the old manifest in the staging dir (the manifests dir\'s parent /tmp, which the kubelet does not read) and return backup_file'),
  })
  .strict()
  .refine((a) => (a.set === undefined) !== (a.restore === undefined), 'give either set (flags to write) or restore (a backup to put back)');

export type StaticPodFlagsArgs = z.infer<typeof schema>;

function failed(msg: string, data?: Record<string, unknown>): ModuleResult {
  return { changed: false, failed: true, msg, data };
}

async function restore(ctx: ModuleContext, path: string, backup: string): Promise<ModuleResult> {
  const data = { path, restored_from: backup };
  const [bst, st] = await Promise.all([statRemote(ctx, backup, { checksum: true }), statRemote(ctx, path, { checksum: true })]);
  if (!bst.exists || bst.type !== 'file') return failed(`the backup ${backup} is not there: ${path} was left as it is`, data);
  if (st.exists && st.type === 'file' && st.sha256 === bst.sha256) return { changed: false, msg: `${path} is already the same as ${backup}`, data };
  if (ctx.check) return { changed: true, msg: `would put ${backup} back as ${path}`, data };
  const staging = stagingDirFor(path, path);
  const tmp = posix.join(staging, `.${posix.basename(path)}.runbook-restore-${ctx.runId}`);
  await execOrThrow(ctx, sh`mkdir -p -m 0700 -- ${staging} && cp -p -- ${backup} ${tmp} && mv -f -- ${tmp} ${path} || { rm -f -- ${tmp}; exit 1; }`, `put ${backup} back`);
  return { changed: true, msg: `put ${backup} back as ${path}; the kubelet restarts the pod`, data };
}

export const staticPodFlags: Module<StaticPodFlagsArgs> = {
  name: 'static_pod_flags',
  summary: "set (or restore) --flags of one container in a kubelet static pod manifest, keeping comments and every other byte, with a backup outside the manifests dir",
  schema,
  readOnly: false,
  describe: (a) =>
    a.restore !== undefined
      ? `put ${a.restore} back as ${a.manifest}`
      : `set ${Object.entries(a.set ?? {}).map(([o, v]) => `--${o}=${String(v)}`).join(' ')} for ${a.container} in ${a.manifest}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const path = a.manifest;
    if (a.restore !== undefined) return restore(ctx, path, a.restore);
    const st = await statRemote(ctx, path, { checksum: true });
    if (!st.exists) return failed(`${path} does not exist on ${ctx.host}`, { path });
    if (st.type !== 'file') return failed(`${path} is a ${st.type}, not a file`, { path });
    const text = (await readRemoteFile(ctx, path)).toString('utf8');
    const settings = Object.fromEntries(Object.entries(a.set ?? {}).map(([o, v]) => [o, String(v)]));
    try {
      const edit = setManifestFlags(text, settings, a.container);
      const shown = Object.entries(settings)
        .map(([o, v]) => (edit.before[o] === v ? `--${o}=${v} (unchanged)` : `--${o} ${edit.before[o] ?? '(unset)'} -> ${v}`))
        .join(', ');
      const data = { path, container: a.container, before: edit.before, after: settings, backup_file: null as string | null };
      if (!edit.changed) return { changed: false, msg: `${path} already has ${shown}`, data };
      if (ctx.check) return { changed: true, msg: `would set ${shown} in ${path}`, data };
      const backup = await writeManifest(ctx, { path, content: Buffer.from(edit.text, 'utf8'), current: st, staging: stagingDirFor(path, path), backup: a.backup });
      return { changed: true, msg: `set ${shown} in ${path}${backup ? ` (backup: ${backup})` : ''}; the kubelet restarts the pod`, data: { ...data, backup_file: backup ?? null } };
    } catch (e) {
      if (e instanceof ManifestError) return failed(`${path}:${e.line}:${e.col}: ${e.message}; nothing was changed`, { path, line: e.line, col: e.col });
      if (e instanceof ConfigTextError) return failed(`${path}: ${e.message}; nothing was changed`, { path });
      throw e;
    }
  },
};
