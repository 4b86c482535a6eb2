/**
 * `static_pod_flags_read`: what a static pod manifest says, changing nothing: the flags of one
 * container, its image (the version a runbook needs to know which flags exist) and, with `set`,
 * whether those values could be written and would change the file. A manifest that cannot be
 * edited fails here, naming file:line:col, so a preflight stops before anything is touched.
 */
import { z } from 'zod';
import { parseDocument } from 'yaml';
import { ConfigTextError, OPTION_NAME } from '../../etcd/modules/config-text.js';
import { ManifestError, readManifestFlags, setManifestFlags } from '../../etcd/modules/manifest-text.js';
import { readRemoteFile, statRemote } from '../../modules/lib/remote-file.js';
import type { Module, ModuleResult } from '../../modules/types.js';

const schema = z
  .object({
    manifest: z.string().startsWith('/', 'must be an absolute path').describe('the static pod manifest'),
    container: z.string().min(1).describe('the container whose command carries the flags'),
    options: z.array(z.string().regex(OPTION_NAME, 'a flag without dashes')).min(1).describe('flags to report, without dashes'),
    set: z
      .record(z.string().regex(OPTION_NAME), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('values a later static_pod_flags task will write: checked to be writable; would_change says whether they differ'),
  })
  .strict();

export type StaticPodFlagsReadArgs = z.infer<typeof schema>;

/** `registry.k8s.io/kube-controller-manager:v1.31.0` -> `1.31.0` (null for a digest or no tag) */
export function imageVersion(image: unknown): string | null {
  if (typeof image !== 'string') return null;
  const m = /:v?(\d+\.\d+(?:\.\d+)?)(?:[-+@].*)?$/.exec(image);
  return m ? m[1]! : null;
}

export const staticPodFlagsRead: Module<StaticPodFlagsReadArgs> = {
  name: 'static_pod_flags_read',
  summary: "read --flags and the image version of one container in a static pod manifest; check that new values could be written (file:line:col when not)",
  schema,
  readOnly: true,
  describe: (a) => `read ${a.options.join(', ')} of ${a.container} in ${a.manifest}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const st = await statRemote(ctx, a.manifest);
    if (!st.exists || st.type !== 'file') return { changed: false, failed: true, msg: `${a.manifest} is not a file on ${ctx.host}: is this a kubeadm control-plane node?`, data: { path: a.manifest } };
    const text = (await readRemoteFile(ctx, a.manifest)).toString('utf8');
    try {
      const flags = readManifestFlags(text, a.options, a.container);
      const js = parseDocument(text).toJS() as { spec?: { containers?: Array<{ name?: string; image?: unknown }> } };
      const image = js.spec?.containers?.find((c) => c.name === a.container)?.image ?? null;
      let wouldChange = false;
      if (a.set !== undefined) {
        const settings = Object.fromEntries(Object.entries(a.set).map(([o, v]) => [o, String(v)]));
        wouldChange = setManifestFlags(text, settings, a.container).changed;
      }
      return {
        changed: false,
        msg: `${a.manifest}: ${a.options.map((o) => `--${o}=${flags[o] ?? '(unset)'}`).join(' ')}${image ? ` (${String(image)})` : ''}`,
        data: { path: a.manifest, flags, image, version: imageVersion(image), would_change: wouldChange },
      };
    } catch (e) {
      if (e instanceof ManifestError) return { changed: false, failed: true, msg: `${a.manifest}:${e.line}:${e.col}: ${e.message}; nothing was changed`, data: { path: a.manifest, line: e.line, col: e.col } };
      if (e instanceof ConfigTextError) return { changed: false, failed: true, msg: `${a.manifest}: ${e.message}; nothing was changed`, data: { path: a.manifest } };
      throw e;
    }
  },
};
