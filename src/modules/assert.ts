import { z } from 'zod';
import { evaluate, truthy } from '../template/index.js';
import type { Module, ModuleResult } from './types.js';

const schema = z
  .object({
    that: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('one expression or a list of expressions (as in `when:`, without {{ }}); all must be true'),
    fail_msg: z.string().optional().describe('message when an expression is false'),
    msg: z.string().optional().describe('same as fail_msg (Ansible accepts both)'),
    success_msg: z.string().optional().describe('message when all expressions are true'),
    quiet: z.boolean().optional().describe('report nothing when the assertions pass'),
  })
  .strict();

export type AssertArgs = z.infer<typeof schema>;

export interface AssertData {
  /** the expression that was false */
  assertion?: string;
  evaluated_to?: boolean;
  [key: string]: unknown;
}

/** `{{ x == 1 }}` is accepted as `x == 1`: a common slip when coming from other template fields. */
function bareExpression(expr: string): string {
  const m = /^\s*\{\{(.*)\}\}\s*$/s.exec(expr);
  return m ? m[1]!.trim() : expr;
}

/** Check conditions about variables and registered results; fail with a message when one is false. */
export const assert = {
  name: 'assert',
  summary: 'fail with a message unless every expression is true',
  schema,
  readOnly: true,
  describe: (a) => `assert ${[a.that].flat().join(' and ')}`,
  async run(ctx, a): Promise<ModuleResult & { data: AssertData }> {
    for (const expr of [a.that].flat()) {
      if (!truthy(evaluate(bareExpression(expr), ctx.vars))) {
        return {
          changed: false,
          failed: true,
          msg: a.fail_msg ?? a.msg ?? `Assertion failed: ${expr}`,
          data: { assertion: expr, evaluated_to: false },
        };
      }
    }
    if (a.quiet) return { changed: false, data: {} };
    return { changed: false, msg: a.success_msg ?? 'All assertions passed', data: {} };
  },
} satisfies Module<AssertArgs>;
