import { z } from 'zod';
import { bufferContent } from '../../modules/lib/file-content.js';
import { execOnHost } from '../../modules/lib/exec.js';
import { installFile } from '../../modules/lib/install-file.js';
import { readRemoteFile, statRemote } from '../../modules/lib/remote-file.js';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { sh } from '../../transport/shell-quote.js';
import { hostConfig, hostVars, memberHost } from '../context.js';
import { ConfigTextError, envNameOf, OPTION_NAME, setEnvOptions, setUnitFlags, type OptionEdit } from './config-text.js';
import { failed } from './common.js';

const schema = z
  .object({
    set: z
      .record(z.string().regex(OPTION_NAME, 'an etcd option as its flag is spelled, without dashes: heartbeat-interval'), z.union([z.string(), z.number(), z.boolean()]))
      .refine((r) => Object.keys(r).length > 0, 'set at least one option')
      .describe('options to set, named as etcd flags without dashes: {heartbeat-interval: 500, initial-cluster-state: existing}'),
    style: z
      .enum(['env', 'flags'])
      .optional()
      .describe('env: ETCD_* lines of an environment file; flags: --flags in the unit ExecStart (default: etcd_config_style)'),
    path: z
      .string()
      .startsWith('/', 'must be an absolute path')
      .optional()
      .describe('the file to edit (default: etcd_config_file for env; etcd_unit_file, else the unit systemd loaded, for flags)'),
    backup: z.boolean().default(true).describe('keep the old file as path.<YYYY-MM-DD@HH:MM:SS>~ and return backup_file'),
  })
  .strict();

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
 * Set etcd options where this member keeps them: `ETCD_*` variables in its environment file
 * (`etcd_config_style: env`) or `--flags` in its unit's ExecStart (`flags`), written atomically
 * with a backup. The running member is not touched: restart it (after `daemon-reload` for a
 * unit) to apply. Returns each option's value before, for reports and undo.
 */
export const etcdConfig: Module<EtcdConfigArgs> = {
  name: 'etcd_config',
  summary: "set etcd options in the member's environment file (ETCD_*) or its unit's ExecStart flags, with a backup",
  schema,
  readOnly: false,
  describe: (a) => `set ${Object.entries(a.set).map(([o, v]) => `${o}=${String(v)}`).join(' ')} in the etcd ${a.style ?? 'config'}${a.path ? ` (${a.path})` : ''}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    // the member on the host the task is connected to, as for every etcd module
    const host = memberHost(ctx);
    const config = hostConfig(ctx, host);
    const style = a.style ?? config.configStyle;
    if (style === 'static_pod') {
      return failed(`${host} runs etcd as a static pod (${config.manifest}): etcd_config edits an environment file or a unit's flags only`);
    }
    const unitVar = hostVars(ctx, host).etcd_unit_file;
    const path = a.path ?? (style === 'env' ? config.configFile : typeof unitVar === 'string' && unitVar !== '' ? unitVar : await unitFileOf(ctx, config.service));
    const settings = Object.fromEntries(Object.entries(a.set).map(([o, v]) => [o, String(v)]));

    const st = await statRemote(ctx, path, { checksum: true });
    if (!st.exists) return failed(`${path} does not exist on ${host}: set ${style === 'env' ? 'etcd_config_file' : 'etcd_unit_file'} to where etcd's ${style === 'env' ? 'ETCD_* variables are' : 'unit is'}`);
    if (st.type !== 'file') return failed(`${path} is a ${st.type}, not a file`);
    const before = await readRemoteFile(ctx, path);
    let edit: OptionEdit;
    try {
      edit = style === 'env' ? setEnvOptions(before.toString('utf8'), settings) : setUnitFlags(before.toString('utf8'), settings);
    } catch (e) {
      if (e instanceof ConfigTextError) return failed(`${path}: ${e.message}`);
      throw e;
    }
    const data: Record<string, unknown> = {
      path,
      style,
      before: edit.before,
      after: settings,
      names: style === 'env' ? Object.fromEntries(Object.keys(settings).map((o) => [o, envNameOf(o)])) : Object.fromEntries(Object.keys(settings).map((o) => [o, `--${o}`])),
      daemon_reload_needed: style === 'flags' && edit.changed,
    };
    if (!edit.changed) return { changed: false, msg: `${path} already has ${describeChanges(edit, settings)}`, data };
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
