import type { RunEvent } from '../events/types.js';
import type { Vars } from '../inventory/types.js';

/** variable names whose values are secrets wherever they appear */
const SECRET_NAME = /(pass(word|phrase)?|secret|token|private_key(?!_file)|api_key)$/i;

export function secretValuesIn(vars: Vars, into: Set<string>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (SECRET_NAME.test(k) && typeof v === 'string' && v.length >= 3) into.add(v);
  }
}

/** Blanks every known secret out of every string in an event, so no reporter or log shows it. */
export function redactor(secrets: Set<string>): (e: RunEvent) => RunEvent {
  return (e) => {
    if (secrets.size === 0) return e;
    return scrub(e, [...secrets].sort((a, b) => b.length - a.length)) as RunEvent;
  };
}

function scrub(v: unknown, secrets: string[]): unknown {
  if (typeof v === 'string') {
    let s = v;
    for (const secret of secrets) if (s.includes(secret)) s = s.split(secret).join('********');
    return s;
  }
  if (Array.isArray(v)) return v.map((x) => scrub(x, secrets));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, secrets)]));
  return v;
}
