import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { render } from '../template/index.js';
import { resolveControllerPath } from './lib/controller-path.js';
import { resolveDest } from './lib/dest-path.js';
import { describeAttrs } from './lib/file-attrs.js';
import { bufferContent } from './lib/file-content.js';
import { installFile, type InstallFileResult } from './lib/install-file.js';
import { installFields, remotePath } from './lib/schema-fields.js';
import type { Module } from './types.js';
import { checkTrustedFile } from '../util/trusted-files.js';

const schema = z
  .object({
    src: z.string().min(1).describe('template file on the controller (Jinja syntax), relative to the playbook directory or its templates/ directory'),
    dest: remotePath('absolute path on the host to write; a directory receives the file under the template name'),
    ...installFields,
  })
  .strict();

export type TemplateArgs = z.infer<typeof schema>;

/** Render a controller template with the host's variables and write it like copy. */
export const template = {
  name: 'template',
  summary: 'render a Jinja template with the host variables and write it (atomic, unchanged when equal)',
  schema,
  readOnly: false,
  describe: (a) => `template ${a.src} -> ${a.dest}${describeAttrs(a)}`,
  async run(ctx, a): Promise<InstallFileResult> {
    const src = resolveControllerPath(ctx.vars, a.src, 'templates');
    checkTrustedFile(src, 'template');
    const text = await readFile(src, { encoding: 'utf8', signal: ctx.signal });
    // strict: an undefined variable fails the task with the template's file:line, never renders as ''
    const rendered = render(text, ctx.vars, { file: src, line: 1, col: 1 });
    const dest = await resolveDest(ctx, a.dest, basename(src));
    const r = await installFile(ctx, { ...a, dest: dest.path, current: dest.current, content: bufferContent(Buffer.from(rendered, 'utf8')) });
    r.data.src = src;
    return r;
  },
} satisfies Module<TemplateArgs>;
