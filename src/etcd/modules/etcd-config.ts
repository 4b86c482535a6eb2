import { posix } from 'node:path';
import { z } from 'zod';
import { bufferContent } from '../../modules/lib/file-content.js';
import { execOnHost, execOrThrow } from '../../modules/lib/exec.js';
import { installFile } from '../../modules/lib/install-file.js';
import { readRemoteFile, statRemote } from '../../modules/lib/remote-file.js';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { sh } from '../../transport/shell-quote.js';
import { resolveConfigStyle } from '../config-style.js';
import { hostConfig, hostVars, memberHost } from '../context.js';
import type { EtcdConfigStyle } from '../host-config.js';
import { ConfigTextError, envNameOf, OPTION_NAME, setEnvOptions, setUnitFlags, type OptionEdit } from './config-text.js';
import { failed } from './common.js';
import { stagingDirFor, writeManifest } from './manifest-file.js';
import { ManifestError, setManifestFlags } from './manifest-text.js';

const schema = z
  .object({
    set: z
      .record(z.string().regex(OPTION_NAME, 'an etcd option as its flag is spelled, without dashes: heartbeat-interval'), z.union([z.string(), z.number(), z.boolean()]))
      .refine((r) => Object.keys(r).length > 0, 'set at least one option')
      .optional()
      .describe('options to set, named as etcd flags without dashes: {heartbeat-interval: 500, initial-cluster-state: existing}'),
    restore: z
      .string()
      .startsWith('/', 'must be an absolute path')
      .optional()
      .describe('instead of set: put this backup (a backup_file this module returned) back in place, atomically; for undo'),
    style: z
      .enum(['env', 'flags', 'static_pod'])
      .optional()
      .describe('env: ETCD_* lines of an environment file; flags: --flags in the unit ExecStart; static_pod: --flags of the etcd container in its manifest (default: etcd_config_style, else detected: static_pod when etcd_manifest exists)'),
    path: z
      .string()
      .startsWith('/', 'must be an absolute path')
      .optional()
      .describe('the file to edit (default: etcd_config_file for env; etcd_unit_file, else the unit systemd loaded, for flags; etcd_manifest for static_pod)'),
    backup: z
      .boolean()
      .default(true)
      .describe('keep the old file as path.<YYYY-MM-DD@HH:MM:SS>~ (for a manifest in the manifests dir: in its parent\'s tmp/, which the kubelet does not read) and return backup_file'),
  })
  .strict()
  .refine((a) => (a.set === undefined) !== (a.restore === undefined), 'give either set (options to write) or restore (a backup to put back)');

export type EtcdConfigArgs = z.infer<typeof schema>;

/** the unit file systemd loaded for the service (drop-ins aside), else the usual place */
async function unitFileOf(ctx: ModuleContext, service: string): Promise<string> {
  const unit = service.includes('.') ? service : `${service}.service`;
  const r = await execOnHost(ctx, sh`systemctl show -p FragmentPath ${unit} 2>/dev/null`);
  const path = /^FragmentPath=(\/\S+)\s*$/m.exec(r.stdout)?.[1];
  return path ?? `/etc/systemd/system/${unit}`;
}

function describeChanges(edit: OptionEdit, settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([o, v]) => (edit.before[o] === v ? `${o}=${v} (unchanged)` : `${o} ${edit.before[o] ?? '(unset)'} -> ${v}`))
    .join(', ');
}

/**
 * The member a task edits or reads, how it runs and the file holding its options: the task's
 * `style`/`path` when given, else the inventory's, else detected on the host.
 */
export async function configTarget(ctx: ModuleContext, a: { style?: EtcdConfigStyle; path?: string }) {
  // the member on the host the task is connected to, as for every etcd module
  const host = memberHost(ctx);
  const config = hostConfig(ctx, host);
  const resolved = a.style !== undefined ? { style: a.style, detected: false } : await resolveConfigStyle(ctx, host);
  const path = a.path ?? (await configFilePath(ctx, host, resolved.style));
  return { host, config, style: resolved.style, detected: resolved.detected, path };
}

/** where a member keeps its options in this style: the inventory's path, else the usual one */
export async function configFilePath(ctx: ModuleContext, host: string, style: EtcdConfigStyle): Promise<string> {
  const config = hostConfig(ctx, host);
  if (style === 'static_pod') return config.manifest;
  if (style === 'env') return config.configFile;
  const unitVar = hostVars(ctx, host).etcd_unit_file;
  return typeof unitVar === 'string' && unitVar !== '' ? unitVar : unitFileOf(ctx, config.service);
}

const FILE_VARIABLE: Record<EtcdConfigStyle, string> = { env: 'etcd_config_file', flags: 'etcd_unit_file', static_pod: 'etcd_manifest' };
const WHAT: Record<EtcdConfigStyle, string> = { env: 'environment file (ETCD_* variables)', flags: 'unit', static_pod: 'static pod manifest' };

export function editText(style: EtcdConfigStyle, text: string, settings: Record<string, string>): OptionEdit {
  if (style === 'env') return setEnvOptions(text, settings);
  if (style === 'flags') return setUnitFlags(text, settings);
  return setManifestFlags(text, settings);
}

/**
 * Put a backup back over the file, atomically: copied to a temp name first (outside the
 * manifests dir for a manifest), then renamed in. The backup stays where it is.
 */
async function restoreBackup(ctx: ModuleContext, r: { path: string; backup: string; style: EtcdConfigStyle; manifest: string }): Promise<ModuleResult> {
  const data = { path: r.path, style: r.style, restored_from: r.backup };
  const [bst, st] = await Promise.all([statRemote(ctx, r.backup, { checksum: true }), statRemote(ctx, r.path, { checksum: true })]);
  if (!bst.exists || bst.type !== 'file') return failed(`the backup ${r.backup} is not there: ${r.path} was left as it is`, data);
  if (st.exists && st.type === 'file' && st.sha256 === bst.sha256) return { changed: false, msg: `${r.path} is already the same as ${r.backup}`, data };
  if (ctx.check) return { changed: true, msg: `would put ${r.backup} back as ${r.path}`, data };
  const staging = r.style === 'static_pod' ? stagingDirFor(r.path, r.manifest) : posix.dirname(r.path);
  const tmp = posix.join(staging, `.${posix.basename(r.path)}.runbook-restore-${ctx.runId}`);
  await execOrThrow(ctx, sh`mkdir -p -m 0700 -- ${staging} && cp -p -- ${r.backup} ${tmp} && mv -f -- ${tmp} ${r.path} || { rm -f -- ${tmp}; exit 1; }`, `put ${r.backup} back`);
  return { changed: true, msg: `put ${r.backup} back as ${r.path}${r.style === 'static_pod' ? '; the kubelet restarts the pod' : ''}`, data };
}

/**
 * Set etcd options where this member keeps them: `ETCD_*` variables in its environment file
 * (`etcd_config_style: env`), `--flags` in its unit's ExecStart (`flags`) or `--flags` of the
 * etcd container in its static pod manifest (`static_pod`), written atomically with a backup.
 * A unit's member is not touched: restart it (after `daemon-reload`) to apply. A static pod's
 * manifest is watched by the kubelet, which restarts the pod when it changes. Returns each
 * option's value before, for reports and undo; `restore` puts a backup back for the undo.
 */
export const etcdConfig: Module<EtcdConfigArgs> = {
  name: 'etcd_config',
  summary: "set etcd options in the member's environment file (ETCD_*), its unit's ExecStart flags or its static pod manifest, with a backup",
  schema,
  readOnly: false,
  describe: (a) =>
    a.restore !== undefined
      ? `put ${a.restore} back as the etcd ${a.style ?? 'config'}${a.path ? ` (${a.path})` : ''}`
      : `set ${Object.entries(a.set ?? {}).map(([o, v]) => `${o}=${String(v)}`).join(' ')} in the etcd ${a.style ?? 'config'}${a.path ? ` (${a.path})` : ''}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const { host, config, style, detected, path } = await configTarget(ctx, a);
    if (a.restore !== undefined) return restoreBackup(ctx, { path, backup: a.restore, style, manifest: config.manifest });
    const settings = Object.fromEntries(Object.entries(a.set!).map(([o, v]) => [o, String(v)]));

    const st = await statRemote(ctx, path, { checksum: true });
    if (!st.exists) return failed(`${path} does not exist on ${host}: set ${FILE_VARIABLE[style]} to where etcd's ${WHAT[style]} is`);
    if (st.type !== 'file') return failed(`${path} is a ${st.type}, not a file`);
    const before = await readRemoteFile(ctx, path);
    let edit: OptionEdit;
    try {
      edit = editText(style, before.toString('utf8'), settings);
    } catch (e) {
      if (e instanceof ManifestError) return failed(`${path}:${e.line}:${e.col}: ${e.message}; nothing was changed`, { path, style, line: e.line, col: e.col });
      if (e instanceof ConfigTextError) return failed(`${path}: ${e.message}`);
      throw e;
    }
    const data: Record<string, unknown> = {
      path,
      style,
      style_detected: detected,
      before: edit.before,
      after: settings,
      names: style === 'env' ? Object.fromEntries(Object.keys(settings).map((o) => [o, envNameOf(o)])) : Object.fromEntries(Object.keys(settings).map((o) => [o, `--${o}`])),
      daemon_reload_needed: style === 'flags' && edit.changed,
      // the kubelet restarts the pod when its manifest changes
      restarts_itself: style === 'static_pod' && edit.changed && posix.dirname(path) === posix.dirname(config.manifest),
    };
    if (!edit.changed) return { changed: false, msg: `${path} already has ${describeChanges(edit, settings)}`, data };
    if (style === 'static_pod') {
      if (ctx.check) return { changed: true, msg: `would set ${describeChanges(edit, settings)} in ${path}`, data: { ...data, backup_file: null } };
      const backup = await writeManifest(ctx, { path, content: Buffer.from(edit.text, 'utf8'), current: st, staging: stagingDirFor(path, config.manifest), backup: a.backup });
      return {
        changed: true,
        msg: `set ${describeChanges(edit, settings)} in ${path}${backup ? ` (backup: ${backup})` : ''}${data.restarts_itself ? '; the kubelet restarts the pod' : ''}`,
        data: { ...data, backup_file: backup ?? null },
      };
    }
    const r = await installFile(ctx, { dest: path, content: bufferContent(Buffer.from(edit.text, 'utf8')), current: st, before, backup: a.backup });
    if (r.failed) return { ...r, data: { ...r.data, ...data } };
    const backup = r.data.backup_file;
    return {
      ...r,
      msg: `${ctx.check ? 'would set' : 'set'} ${describeChanges(edit, settings)} in ${path}${backup ? ` (backup: ${backup})` : ''}${style === 'flags' ? '; run systemctl daemon-reload' : ''}`,
      data: { ...r.data, ...data, backup_file: backup ?? null },
    };
  },
};
