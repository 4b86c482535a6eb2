import { z } from 'zod';
import type { Module, ModuleResult } from './types.js';

// Ansible's flag for its fact cache; runbook keeps facts for the run, so it has no meaning here
const IGNORED_KEYS = new Set(['cacheable']);

const schema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'a fact name must be a valid variable name (letters, digits, _)' }),
    z.unknown().describe('the value (templates are rendered; a lone {{ expr }} keeps its type)'),
  )
  .describe('variable names and their values, set for this host for the rest of the run');

export type SetFactArgs = z.infer<typeof schema>;

function factsOf(a: SetFactArgs): Record<string, unknown> {
  return Object.fromEntries(Object.entries(a).filter(([k]) => !IGNORED_KEYS.has(k)));
}

/** Set variables on the host for later tasks. */
export const setFact = {
  name: 'set_fact',
  summary: 'set variables for this host for the rest of the run',
  schema,
  // it changes no host, only what later tasks see
  readOnly: true,
  describe: (a) => `set ${Object.keys(factsOf(a)).join(', ') || 'nothing'}`,
  factNames: (a) => Object.keys(factsOf(a)),
  async run(_ctx, a): Promise<ModuleResult> {
    return { changed: false, facts: factsOf(a) };
  },
} satisfies Module<SetFactArgs>;
