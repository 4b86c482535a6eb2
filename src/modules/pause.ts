import { z } from 'zod';
import { sleep } from './lib/sleep.js';
import type { Module, ModuleResult } from './types.js';

const schema = z
  .object({
    seconds: z.number().nonnegative().optional().describe('seconds to wait'),
    minutes: z.number().nonnegative().optional().describe('minutes to wait'),
    prompt: z.string().optional().describe('question for the operator; without seconds/minutes the run waits for the answer'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.seconds !== undefined && a.minutes !== undefined) ctx.addIssue({ code: 'custom', message: 'give seconds or minutes, not both' });
  });

export type PauseArgs = z.infer<typeof schema>;

export interface PauseData {
  /** what the operator typed (prompt without a duration) */
  user_input?: string;
  /** seconds waited */
  delta: number;
  [key: string]: unknown;
}

function waitMs(a: PauseArgs): number | undefined {
  if (a.seconds !== undefined) return a.seconds * 1000;
  if (a.minutes !== undefined) return a.minutes * 60_000;
  return undefined;
}

/**
 * Wait a while, or until the operator answers. Runs once per host like any task: add
 * `run_once: true` to ask once. Without a terminal the prompt fails, so unattended runs stop
 * instead of hanging.
 */
export const pause = {
  name: 'pause',
  summary: 'wait for a time or for the operator to answer',
  schema,
  readOnly: true,
  describe(a) {
    const ms = waitMs(a);
    if (ms !== undefined) return `pause ${ms / 1000}s${a.prompt ? `: ${a.prompt}` : ''}`;
    return `ask: ${a.prompt ?? 'Press enter to continue'}`;
  },
  async run(ctx, a): Promise<ModuleResult & { data: PauseData }> {
    const started = performance.now();
    const delta = () => Math.round(performance.now() - started) / 1000;
    const ms = waitMs(a);
    if (ms !== undefined) {
      if (a.prompt !== undefined) ctx.log(a.prompt);
      await sleep(ms, ctx.signal);
      return { changed: false, msg: `paused ${ms / 1000}s`, data: { delta: delta() } };
    }
    const answer = await ctx.prompt(a.prompt ?? 'Press enter to continue');
    return { changed: false, msg: 'operator answered', data: { user_input: answer, delta: delta() } };
  },
} satisfies Module<PauseArgs>;
