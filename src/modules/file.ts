import { z } from 'zod';
import { quote } from '../transport/shell-quote.js';
import { execOrThrow } from './lib/exec.js';
import { applyAttrsCommand, attrChanges, describeAttrChanges, describeAttrs, type FileAttrs } from './lib/file-attrs.js';
import { applyMode, formatMode, isOctalMode } from './lib/file-mode.js';
import { mkdirScript } from './lib/mkdir-script.js';
import { refuseRemoval } from './lib/protected-paths.js';
import { statRemote, type RemoteStat } from './lib/remote-file.js';
import { groupField, modeField, normalizeRemotePath, ownerField, remotePath } from './lib/schema-fields.js';
import { countTreeChanges, treeStatCommand } from './lib/tree-attrs.js';
import type { FileDiff, Module, ModuleContext, ModuleResult } from './types.js';

const schema = z
  .object({
    path: remotePath('absolute path on the host'),
    state: z
      .enum(['directory', 'absent', 'touch', 'file'])
      .optional()
      .describe('directory: create it (and missing parents); absent: remove it recursively; touch: create or update its time; file (default): only set attributes of an existing file'),
    mode: modeField,
    owner: ownerField,
    group: groupField,
    recurse: z.boolean().optional().describe('with state=directory: apply mode/owner/group to everything inside too'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.recurse && (a.state ?? 'directory') !== 'directory') {
      ctx.addIssue({ code: 'custom', path: ['recurse'], message: 'recurse needs state: directory' });
    }
    if (a.state === 'absent') {
      const why = refuseRemoval(a.path);
      if (why !== undefined) ctx.addIssue({ code: 'custom', path: ['path'], message: why });
    }
  });

export type FileArgs = z.infer<typeof schema>;

type FileState = NonNullable<FileArgs['state']>;

function stateOf(a: FileArgs): FileState {
  return a.state ?? (a.recurse ? 'directory' : 'file');
}

export interface FileData {
  path: string;
  state: FileState;
  [key: string]: unknown;
}

type FileResult = ModuleResult & { data: FileData };

/** Create directories, remove paths, touch files and set their mode and owner. */
export const file = {
  name: 'file',
  summary: 'create a directory, remove a path, touch a file, set mode and owner',
  schema,
  readOnly: false,
  describe(a) {
    const p = quote(a.path);
    const attrs = describeAttrs(a);
    switch (stateOf(a)) {
      case 'absent':
        return `rm -rf ${p}`;
      case 'directory':
        return `mkdir -p ${p}${attrs}${a.recurse ? ' recursively' : ''}`;
      case 'touch':
        return `touch ${p}${attrs}`;
      case 'file':
        return `set attributes of ${p}${attrs}`;
    }
  },
  async run(ctx, a): Promise<FileResult> {
    const state = stateOf(a);
    const path = normalizeRemotePath(a.path);
    const data: FileData = { path, state };
    // validated by the schema too; checked again here because this is the line that deletes
    const refusal = state === 'absent' ? refuseRemoval(path) : undefined;
    if (refusal !== undefined) return { changed: false, failed: true, msg: refusal, data };

    const st = await statRemote(ctx, path);
    switch (state) {
      case 'absent':
        return removePath(ctx, st, data);
      case 'directory':
        return ensureDirectory(ctx, st, a, data);
      case 'touch':
        return touchFile(ctx, st, a, data);
      case 'file':
        return setFileAttrs(ctx, st, a, data);
    }
  },
} satisfies Module<FileArgs>;

async function removePath(ctx: ModuleContext, st: RemoteStat, data: FileData): Promise<FileResult> {
  if (!st.exists) return { changed: false, msg: `${st.path} is already absent`, data };
  const diff = stateDiff(ctx, st, undefined);
  if (!ctx.check) await execOrThrow(ctx, `rm -rf -- ${quote(st.path)}`, `remove ${st.path}`);
  return { changed: true, msg: ctx.check ? `${st.path} would be removed` : `${st.path} removed`, diff, data };
}

async function ensureDirectory(ctx: ModuleContext, st: RemoteStat, a: FileArgs, data: FileData): Promise<FileResult> {
  if (st.exists && st.type !== 'directory') {
    return { changed: false, failed: true, msg: `${st.path} exists and is a ${st.type}, not a directory`, data };
  }
  if (!st.exists) {
    const diff = stateDiff(ctx, st, { type: 'directory', attrs: a });
    if (!ctx.check) await execOrThrow(ctx, mkdirScript(st.path, a), `create directory ${st.path}`);
    return { changed: true, msg: 'directory created', diff, data };
  }
  if (a.recurse) return setTreeAttrs(ctx, st.path, a, data);
  return applyAttrs(ctx, st, a, data);
}

async function setTreeAttrs(ctx: ModuleContext, path: string, a: FileArgs, data: FileData): Promise<FileResult> {
  if (a.mode === undefined && a.owner === undefined && a.group === undefined) return { changed: false, data };
  const tree = await execOrThrow(ctx, treeStatCommand(path), `list ${path}`);
  const n = countTreeChanges(tree.stdout, a);
  if (n === 0) return { changed: false, msg: 'attributes already as wanted', data };
  if (!ctx.check) await execOrThrow(ctx, applyAttrsCommand(path, a, { recurse: true }), `set attributes under ${path}`);
  return { changed: true, msg: `attributes ${ctx.check ? 'would change' : 'changed'} on ${n} path(s)`, data };
}

async function touchFile(ctx: ModuleContext, st: RemoteStat, a: FileArgs, data: FileData): Promise<FileResult> {
  if (st.exists && st.type === 'directory') {
    // touch would only update the directory's time; almost certainly a wrong path
    return { changed: false, failed: true, msg: `${st.path} is a directory`, data };
  }
  const diff = st.exists ? undefined : stateDiff(ctx, st, { type: 'file', attrs: a });
  if (!ctx.check) {
    const set = applyAttrsCommand(st.path, a);
    await execOrThrow(ctx, `touch -- ${quote(st.path)}${set ? ` && ${set}` : ''}`, `touch ${st.path}`);
  }
  // like Ansible: touching always changes the file's time
  return { changed: true, msg: st.exists ? 'time updated' : 'file created', diff, data };
}

async function setFileAttrs(ctx: ModuleContext, st: RemoteStat, a: FileArgs, data: FileData): Promise<FileResult> {
  if (!st.exists) return { changed: false, failed: true, msg: `${st.path} does not exist (use state: touch to create it)`, data };
  if (st.type === 'directory') return { changed: false, failed: true, msg: `${st.path} is a directory (use state: directory)`, data };
  return applyAttrs(ctx, st, a, data);
}

async function applyAttrs(ctx: ModuleContext, st: Extract<RemoteStat, { exists: true }>, want: FileAttrs, data: FileData): Promise<FileResult> {
  const changes = attrChanges(st, want);
  if (changes.length === 0) return { changed: false, msg: 'attributes already as wanted', data };
  const diff = stateDiff(ctx, st, { type: st.type, attrs: want });
  if (!ctx.check) await execOrThrow(ctx, applyAttrsCommand(st.path, want), `set attributes of ${st.path}`);
  return { changed: true, msg: describeAttrChanges(changes), diff, data };
}

/** For --diff: the path's state before and after, as short `key: value` lines. */
function stateDiff(ctx: ModuleContext, st: RemoteStat, after: { type: string; attrs: FileAttrs } | undefined): FileDiff[] | undefined {
  if (!ctx.diff) return undefined;
  const before = st.exists ? describeState(st.type, formatMode(st.mode), st.owner, st.group) : 'state: absent\n';
  let afterText = 'state: absent\n';
  if (after !== undefined) {
    const want = after.attrs.mode;
    let mode: string | undefined;
    if (st.exists) mode = formatMode(want === undefined ? st.mode : applyMode(st.mode, want, st.type === 'directory'));
    else if (want !== undefined) mode = isOctalMode(want) ? formatMode(parseInt(want, 8)) : want;
    const owner = after.attrs.owner ?? (st.exists ? st.owner : undefined);
    const group = after.attrs.group ?? (st.exists ? st.group : undefined);
    afterText = describeState(after.type, mode, owner, group);
  }
  return [{ path: st.path, before, after: afterText }];
}

function describeState(type: string, mode: string | undefined, owner: string | undefined, group: string | undefined): string {
  const lines = [`state: ${type}`];
  if (mode !== undefined) lines.push(`mode: ${mode}`);
  if (owner !== undefined) lines.push(`owner: ${owner}`);
  if (group !== undefined) lines.push(`group: ${group}`);
  return lines.join('\n') + '\n';
}
