import { z } from 'zod';
import { sha256Hex } from './lib/checksum.js';
import { describeAttrs } from './lib/file-attrs.js';
import { bufferContent } from './lib/file-content.js';
import { installFile, type InstallFileResult } from './lib/install-file.js';
import { editLines, type LineEditSpec } from './lib/line-edit.js';
import { pythonRegex } from './lib/python-regex.js';
import { readRemoteFile, statRemote, type RemoteStat } from './lib/remote-file.js';
import { groupField, modeField, ownerField, remotePath, validateField } from './lib/schema-fields.js';
import { decodeText } from './lib/text-diff.js';
import type { Module } from './types.js';

const regexField = (description: string) =>
  z
    .string()
    .min(1)
    .superRefine((p, ctx) => {
      try {
        pythonRegex(p);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .describe(description);

const schema = z
  .object({
    path: remotePath('absolute path of the file to edit on the host'),
    line: z.string().optional().describe('the line that must be in the file (state=present); with backrefs, may use \\1 or \\g<name>'),
    regexp: regexField('regexp (Python syntax) selecting the line to replace or remove; the last match wins').optional(),
    search_string: z.string().min(1).optional().describe('a literal string selecting the line to replace or remove (instead of regexp)'),
    state: z.enum(['present', 'absent']).optional().describe('present (default): ensure the line; absent: remove every matching line'),
    insertafter: z
      .union([z.literal('EOF'), z.literal('BOF'), regexField('regexp')])
      .optional()
      .describe('where a new line goes when nothing matches: EOF (default), or after the last line matching this regexp'),
    insertbefore: z
      .union([z.literal('BOF'), regexField('regexp')])
      .optional()
      .describe('where a new line goes when nothing matches: BOF, or before the last line matching this regexp'),
    firstmatch: z.boolean().optional().describe('use the first match of regexp/insertafter/insertbefore instead of the last'),
    backrefs: z.boolean().optional().describe("expand regexp groups in line; when regexp matches nothing, the file is left alone"),
    create: z.boolean().optional().describe('create the file when it does not exist (default false: fail)'),
    backup: z.boolean().optional().describe('keep the old file as path.<YYYY-MM-DD@HH:MM:SS>~ and return backup_file'),
    validate: validateField,
    mode: modeField,
    owner: ownerField,
    group: groupField,
  })
  .strict()
  .superRefine((a, ctx) => {
    const issue = (message: string, path?: string) => ctx.addIssue({ code: 'custom', message, ...(path ? { path: [path] } : {}) });
    const state = a.state ?? 'present';
    if (state === 'present' && a.line === undefined) issue('line is required with state: present', 'line');
    if (state === 'absent' && a.line === undefined && a.regexp === undefined && a.search_string === undefined) {
      issue('state: absent needs one of regexp, search_string or line');
    }
    if (a.regexp !== undefined && a.search_string !== undefined) issue('give regexp or search_string, not both');
    if (a.insertafter !== undefined && a.insertbefore !== undefined) issue('give insertafter or insertbefore, not both');
    if (a.backrefs && a.regexp === undefined) issue('backrefs needs regexp', 'backrefs');
  });

export type LineinfileArgs = z.infer<typeof schema>;

function editSpec(a: LineinfileArgs): LineEditSpec {
  const anchor = <T extends string>(v: string | undefined, keywords: T[]): T | RegExp | undefined =>
    v === undefined ? undefined : (keywords as string[]).includes(v) ? (v as T) : pythonRegex(v);
  return {
    state: a.state ?? 'present',
    line: a.line,
    regexp: a.regexp !== undefined ? pythonRegex(a.regexp) : undefined,
    search_string: a.search_string,
    insertafter: anchor(a.insertafter, ['EOF', 'BOF']),
    insertbefore: anchor(a.insertbefore, ['BOF']),
    firstmatch: a.firstmatch,
    backrefs: a.backrefs,
  };
}

/** Ensure one line is in a file (or not), replacing the line a regexp selects. */
export const lineinfile = {
  name: 'lineinfile',
  summary: 'ensure a line is in a file (or absent), selected by regexp',
  schema,
  readOnly: false,
  describe(a) {
    const sel = a.regexp !== undefined ? ` matching /${a.regexp}/` : a.search_string !== undefined ? ` containing ${JSON.stringify(a.search_string)}` : '';
    return (a.state ?? 'present') === 'absent'
      ? `remove lines${sel || ` equal to ${JSON.stringify(a.line)}`} from ${a.path}`
      : `ensure ${JSON.stringify(a.line)} in ${a.path}${sel ? ` (replacing the line${sel})` : ''}${describeAttrs(a)}`;
  },
  async run(ctx, a): Promise<InstallFileResult> {
    const st = await statRemote(ctx, a.path);
    const data = { dest: a.path, checksum: '', size: 0 };
    if (st.exists && st.type !== 'file') return { changed: false, failed: true, msg: `${a.path} is a ${st.type}, not a file`, data };
    if (!st.exists && (a.state === 'absent' || !a.create)) {
      if (a.state === 'absent') return { changed: false, msg: `${a.path} does not exist`, data };
      return { changed: false, failed: true, msg: `${a.path} does not exist (set create: true to create it)`, data };
    }

    const before = st.exists ? await readRemoteFile(ctx, a.path) : Buffer.alloc(0);
    // a file that is not UTF-8 is edited byte for byte (latin1 maps each byte to one character)
    const encoding: BufferEncoding = decodeText(before) !== undefined || before.length === 0 ? 'utf8' : 'latin1';
    const edit = editLines(before.toString(encoding), editSpec(a));
    const after = edit.changed ? Buffer.from(edit.content, encoding) : before;

    // the sha256 of what was read stands in for the host's: no second pass over the file
    const current: RemoteStat = st.exists ? { ...st, sha256: sha256Hex(before) } : st;
    const r = await installFile(ctx, { ...a, dest: a.path, content: bufferContent(after), current, before });
    if (edit.changed && !r.failed) r.msg = ctx.check ? `${edit.msg} (check mode)` : edit.msg;
    return r;
  },
} satisfies Module<LineinfileArgs>;
