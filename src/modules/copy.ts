import { basename } from 'node:path';
import { z } from 'zod';
import { resolveControllerPath } from './lib/controller-path.js';
import { resolveDest } from './lib/dest-path.js';
import { describeAttrs } from './lib/file-attrs.js';
import { bufferContent, controllerFileContent } from './lib/file-content.js';
import { installFile, type InstallFileResult } from './lib/install-file.js';
import { installFields, remotePath } from './lib/schema-fields.js';
import type { Module } from './types.js';

const schema = z
  .object({
    dest: remotePath('absolute path on the host to write; a directory (or a path ending in /) receives the file under its source name'),
    content: z.string().optional().describe('the exact text to write (instead of src)'),
    src: z.string().min(1).optional().describe('a file on the controller, relative to the playbook directory (or its files/ directory)'),
    ...installFields,
  })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.content === undefined) === (a.src === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of content or src' });
  });

export type CopyArgs = z.infer<typeof schema>;

/** Write a file from text or from a controller file. */
export const copy = {
  name: 'copy',
  summary: 'write a file from text or a controller file (atomic, unchanged when the sha256 matches)',
  schema,
  readOnly: false,
  describe: (a) => `copy ${a.src ?? `${Buffer.byteLength(a.content ?? '')} bytes of content`} -> ${a.dest}${describeAttrs(a)}`,
  async run(ctx, a): Promise<InstallFileResult> {
    if (a.src === undefined) {
      const dest = await resolveDest(ctx, a.dest, undefined);
      return installFile(ctx, { ...a, dest: dest.path, current: dest.current, content: bufferContent(Buffer.from(a.content ?? '', 'utf8')) });
    }
    const src = resolveControllerPath(ctx.vars, a.src, 'files');
    const content = await controllerFileContent(src, ctx.signal);
    const dest = await resolveDest(ctx, a.dest, basename(src));
    const r = await installFile(ctx, { ...a, dest: dest.path, current: dest.current, content });
    r.data.src = src;
    return r;
  },
} satisfies Module<CopyArgs>;
