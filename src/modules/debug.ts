import { z } from 'zod';
import type { Module } from './types.js';

const schema = z
  .object({
    msg: z.unknown().optional().describe('message to print (templated)'),
    var: z.string().optional().describe('name of a variable to print'),
  })
  .strict();

export type DebugArgs = z.infer<typeof schema>;

/** Print a message or a variable; changes nothing. */
export const debug: Module<DebugArgs> = {
  name: 'debug',
  summary: 'print a message or a variable',
  schema,
  readOnly: true,
  freeForm: 'msg',
  describe: (a) => (a.var !== undefined ? `print ${a.var}` : `print ${JSON.stringify(a.msg ?? 'Hello world!')}`),
  async run(ctx, a) {
    const value = a.var !== undefined ? ctx.vars[a.var] : (a.msg ?? 'Hello world!');
    const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
    ctx.log(text);
    return { changed: false, msg: text };
  },
};
