import { z } from 'zod';
import { readRemoteFile, statRemote } from '../../modules/lib/remote-file.js';
import type { Module, ModuleResult } from '../../modules/types.js';
import { ConfigTextError, OPTION_NAME, readEnvOptions, readUnitFlags } from './config-text.js';
import { failed } from './common.js';
import { configTarget, editText } from './etcd-config.js';
import { ManifestError, readManifestFlags } from './manifest-text.js';

const schema = z
  .object({
    options: z
      .array(z.string().regex(OPTION_NAME, 'an etcd option as its flag is spelled, without dashes: heartbeat-interval'))
      .default([])
      .describe('options to report as the file sets them: [heartbeat-interval, election-timeout]'),
    set: z
      .record(z.string().regex(OPTION_NAME), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('also check that etcd_config could set these (the edit is made in memory only): {heartbeat-interval: 500}'),
    style: z.enum(['env', 'flags', 'static_pod']).optional().describe('as for etcd_config (default: etcd_config_style, else detected)'),
    path: z.string().startsWith('/', 'must be an absolute path').optional().describe('as for etcd_config'),
  })
  .strict();

export type EtcdConfigReadArgs = z.infer<typeof schema>;

/**
 * The read-only half of etcd_config, for preflight: which style and file the member's options
 * are kept in (detected from the host when the inventory does not say), their values there,
 * and, with `set`, whether the edit can be made. A manifest that is not valid YAML, has no
 * single etcd container or flags in a form that is not understood fails here, naming
 * file:line:col, before anything is changed.
 */
export const etcdConfigRead: Module<EtcdConfigReadArgs> = {
  name: 'etcd_config_read',
  summary: "read etcd options from the member's environment file, unit or static pod manifest, and check an edit of them would work",
  schema,
  readOnly: true,
  describe: (a) => `read the etcd configuration${a.options.length ? ` (${a.options.join(', ')})` : ''}${a.set ? ' and check it can be edited' : ''}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const { host, config, style, detected, path } = await configTarget(ctx, a);
    const base = { style, style_detected: detected, path };
    const st = await statRemote(ctx, path);
    if (!st.exists || st.type !== 'file') return failed(`${path} is not a file on ${host}: set etcd_config_style and ${style === 'static_pod' ? 'etcd_manifest' : style === 'env' ? 'etcd_config_file' : 'etcd_unit_file'} to where etcd's options are kept`, base);
    const text = (await readRemoteFile(ctx, path)).toString('utf8');
    const wanted = [...new Set([...a.options, ...Object.keys(a.set ?? {})])];
    try {
      const options = style === 'env' ? readEnvOptions(text, wanted) : style === 'flags' ? readUnitFlags(text, wanted) : readManifestFlags(text, wanted);
      let wouldChange = false;
      if (a.set) wouldChange = editText(style, text, Object.fromEntries(Object.entries(a.set).map(([o, v]) => [o, String(v)]))).changed;
      const shown = wanted.map((o) => `${o}=${options[o] ?? '(unset)'}`).join(', ');
      const how = `${style}${detected ? ', detected' : ''}`;
      return {
        changed: false,
        msg: `${path} (${how})${shown ? `: ${shown}` : ''}${a.set ? (wouldChange ? '; the edit can be made' : '; already as wanted') : ''}`,
        data: { ...base, options, would_change: wouldChange, manifest: config.manifest },
      };
    } catch (e) {
      if (e instanceof ManifestError) return failed(`${path}:${e.line}:${e.col}: ${e.message}; nothing was changed`, { ...base, line: e.line, col: e.col });
      if (e instanceof ConfigTextError) return failed(`${path}: ${e.message}; nothing was changed`, base);
      throw e;
    }
  },
};
