/**
 * `yaml_set`: set keys in a YAML config file (the kubelet's /var/lib/kubelet/config.yaml, ...)
 * through the `yaml` library's Document API, so comments, key order and unrelated fields stay;
 * an existing scalar keeps its node (and the comment beside it), only its value changes. The
 * result is parsed again and must equal the old data plus exactly the asked changes before it
 * is written (atomically, with a backup beside it). `restore` puts such a backup back.
 */
import { posix } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { bufferContent } from '../../modules/lib/file-content.js';
import { execOrThrow } from '../../modules/lib/exec.js';
import { installFile } from '../../modules/lib/install-file.js';
import { readRemoteFile, statRemote } from '../../modules/lib/remote-file.js';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { sh } from '../../transport/shell-quote.js';

const KEY_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

const schema = z
  .object({
    path: z.string().startsWith('/', 'must be an absolute path').describe('the YAML file, e.g. /var/lib/kubelet/config.yaml'),
    set: z
      .record(z.string().regex(KEY_PATH, 'a key, or a dotted path of keys: nodeStatusUpdateFrequency, logging.format'), z.union([z.string(), z.number(), z.boolean()]))
      .refine((r) => Object.keys(r).length > 0, 'set at least one key')
      .optional()
      .describe('keys to set: {nodeStatusUpdateFrequency: 10s}; a missing key is added at the end of its mapping'),
    kind: z.string().optional().describe('refuse a file whose top-level kind is not this (e.g. KubeletConfiguration)'),
    restore: z.string().startsWith('/', 'must be an absolute path').optional().describe('instead of set: put this backup (a backup_file this module returned) back, atomically; for undo'),
    backup: z.boolean().default(true).describe('keep the old file as path.<YYYY-MM-DD@HH:MM:SS>~ and return backup_file'),
  })
  .strict()
  .refine((a) => (a.set === undefined) !== (a.restore === undefined), 'give either set (keys to write) or restore (a backup to put back)');

export type YamlSetArgs = z.infer<typeof schema>;

export class YamlEditError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
  }
}

/** the new text and each key's value before; throws YamlEditError with a position when it cannot */
export function setYamlKeys(text: string, settings: Record<string, string | number | boolean>, kind?: string): { text: string; changed: boolean; before: Record<string, unknown> } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lines.linePos(e.pos[0]);
    throw new YamlEditError(`not valid YAML: ${e.message.split('\n')[0]}`, pos.line, pos.col);
  }
  if (!isMap(doc.contents)) throw new YamlEditError('not a YAML mapping', 1, 1);
  if (kind !== undefined && doc.get('kind') !== kind) {
    const node = doc.contents.get('kind', true);
    const pos = lines.linePos(isScalar(node) ? (node.range?.[0] ?? 0) : 0);
    throw new YamlEditError(`kind is ${JSON.stringify(doc.get('kind') ?? null)}, expected ${kind}`, pos.line, pos.col);
  }
  const original = doc.toJS() as Record<string, unknown>;
  const before: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const path = key.split('.');
    const node = doc.getIn(path, true);
    before[key] = doc.getIn(path) ?? null;
    if (isScalar(node)) {
      if (node.value !== value) node.value = value; // keeps the node's comment and style
    } else if (node === undefined) {
      doc.setIn(path, value);
    } else {
      throw new YamlEditError(`${key} is not a single value`);
    }
  }
  // the file's own list style (kubeadm writes "- item" at its key's indentation): of the two
  // ways `yaml` can print block lists, keep the one that leaves more lines as they were
  const out = [false, true]
    .map((indentSeq) => doc.toString({ indentSeq }))
    .map((t) => ({ t, same: sameLines(text, t) }))
    .sort((x, y) => y.same - x.same)[0]!.t;
  // read back: the old data plus exactly these changes
  const expected = structuredClone(original);
  for (const [key, value] of Object.entries(settings)) {
    const path = key.split('.');
    let m = expected as Record<string, unknown>;
    for (const p of path.slice(0, -1)) m = (m[p] ??= {}) as Record<string, unknown>;
    m[path.at(-1)!] = value;
  }
  const back = parseDocument(out);
  if (back.errors.length > 0 || JSON.stringify(back.toJS()) !== JSON.stringify(expected)) throw new YamlEditError('the edited file would not read back as asked; nothing was written');
  return { text: out, changed: out !== text, before };
}

function sameLines(a: string, b: string): number {
  const left = new Set(a.split('\n'));
  return b.split('\n').filter((l) => left.has(l)).length;
}

async function restore(ctx: ModuleContext, path: string, backup: string): Promise<ModuleResult> {
  const data = { path, restored_from: backup };
  const [bst, st] = await Promise.all([statRemote(ctx, backup, { checksum: true }), statRemote(ctx, path, { checksum: true })]);
  if (!bst.exists || bst.type !== 'file') return { changed: false, failed: true, msg: `the backup ${backup} is not there: ${path} was left as it is`, data };
  if (st.exists && st.type === 'file' && st.sha256 === bst.sha256) return { changed: false, msg: `${path} is already the same as ${backup}`, data };
  if (ctx.check) return { changed: true, msg: `would put ${backup} back as ${path}`, data };
  const tmp = posix.join(posix.dirname(path), `.${posix.basename(path)}.runbook-restore-${ctx.runId}`);
  await execOrThrow(ctx, sh`cp -p -- ${backup} ${tmp} && mv -f -- ${tmp} ${path} || { rm -f -- ${tmp}; exit 1; }`, `put ${backup} back`);
  return { changed: true, msg: `put ${backup} back as ${path}`, data };
}

export const yamlSet: Module<YamlSetArgs> = {
  name: 'yaml_set',
  summary: 'set keys in a YAML config file keeping its comments (yaml Document API), validated and written atomically with a backup; or put a backup back',
  schema,
  readOnly: false,
  describe: (a) => (a.restore !== undefined ? `put ${a.restore} back as ${a.path}` : `set ${Object.entries(a.set ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} in ${a.path}`),
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    if (a.restore !== undefined) return restore(ctx, a.path, a.restore);
    const st = await statRemote(ctx, a.path, { checksum: true });
    if (!st.exists) return { changed: false, failed: true, msg: `${a.path} does not exist on ${ctx.host}`, data: { path: a.path } };
    if (st.type !== 'file') return { changed: false, failed: true, msg: `${a.path} is a ${st.type}, not a file`, data: { path: a.path } };
    const old = await readRemoteFile(ctx, a.path);
    let edit: ReturnType<typeof setYamlKeys>;
    try {
      edit = setYamlKeys(old.toString('utf8'), a.set!, a.kind);
    } catch (e) {
      if (e instanceof YamlEditError) {
        const where = e.line !== undefined ? `${a.path}:${e.line}:${e.col}` : a.path;
        return { changed: false, failed: true, msg: `${where}: ${e.message}; nothing was changed`, data: { path: a.path, line: e.line ?? null, col: e.col ?? null } };
      }
      throw e;
    }
    const shown = Object.entries(a.set!)
      .map(([k, v]) => (edit.before[k] === v ? `${k}: ${String(v)} (unchanged)` : `${k}: ${String(edit.before[k] ?? '(unset)')} -> ${String(v)}`))
      .join(', ');
    const data = { path: a.path, before: edit.before, after: a.set, backup_file: null as string | null };
    if (!edit.changed) return { changed: false, msg: `${a.path} already has ${shown}`, data };
    const r = await installFile(ctx, { dest: a.path, content: bufferContent(Buffer.from(edit.text, 'utf8')), current: st, before: old, backup: a.backup });
    if (r.failed) return { ...r, data: { ...r.data, ...data } };
    return { ...r, msg: `${ctx.check ? 'would set' : 'set'} ${shown} in ${a.path}${r.data.backup_file ? ` (backup: ${r.data.backup_file})` : ''}`, data: { ...r.data, ...data, backup_file: r.data.backup_file ?? null } };
  },
};
