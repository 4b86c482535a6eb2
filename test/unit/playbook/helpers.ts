import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { ConfigError, type ConfigProblem } from '../../../src/errors.js';
import { parsePlaybook } from '../../../src/playbook/load.js';
import type { Playbook } from '../../../src/playbook/types.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/playbooks/', import.meta.url));

export function fixture(name: string): string {
  return `${FIXTURES}${name}`;
}

/** The problems loading `text` reports (the test fails when it loads). */
export function problemsOf(t: ExecutionContext, text: string, file = 'pb.yaml'): ConfigProblem[] {
  const err = t.throws(() => parsePlaybook(text, file), { instanceOf: ConfigError });
  return err?.problems ?? [];
}

/** `line:col: message (hint)` for compact assertions */
export function brief(p: ConfigProblem): string {
  return `${p.loc?.line}:${p.loc?.col}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

export function load(text: string, file = 'pb.yaml'): Playbook {
  return parsePlaybook(text, file);
}
