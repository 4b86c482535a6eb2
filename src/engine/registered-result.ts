import type { ModuleResult } from '../modules/types.js';

/** What `register:` stores: Ansible's field names, so playbooks read `result.rc`, `result.stdout_lines`. */
export interface RegisteredResult {
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  msg?: string;
  rc?: number;
  stdout?: string;
  stderr?: string;
  stdout_lines?: string[];
  stderr_lines?: string[];
  results?: RegisteredResult[];
  [key: string]: unknown;
}

export function toRegistered(r: ModuleResult): RegisteredResult {
  const out: RegisteredResult = {
    ...(r.data ?? {}),
    changed: r.changed,
    failed: r.failed ?? false,
    skipped: r.skipped ?? false,
  };
  if (r.msg !== undefined) out.msg = r.msg;
  if (r.rc !== undefined) out.rc = r.rc;
  if (r.stdout !== undefined) {
    out.stdout = r.stdout;
    out.stdout_lines = splitLines(r.stdout);
  }
  if (r.stderr !== undefined) {
    out.stderr = r.stderr;
    out.stderr_lines = splitLines(r.stderr);
  }
  if (r.diff) out.diff = r.diff;
  return out;
}

/** A looped task registers every item's result under `results`, as Ansible does. */
export function combineLoop(results: RegisteredResult[]): RegisteredResult {
  const failed = results.find((r) => r.failed);
  return {
    changed: results.some((r) => r.changed),
    failed: Boolean(failed),
    skipped: results.length > 0 && results.every((r) => r.skipped),
    msg: failed?.msg ?? (results.length ? 'All items completed' : 'No items in the loop'),
    results,
  };
}

export function skippedResult(msg: string): RegisteredResult {
  return { changed: false, failed: false, skipped: true, msg };
}

/** the parts of a result that hold what a command read: its output, per loop item too */
export function outputOf(r: RegisteredResult): string[] {
  const out: string[] = [];
  for (const key of ['stdout', 'stderr'] as const) {
    const v = r[key];
    if (typeof v === 'string' && v.trim()) out.push(v, v.trim(), ...splitLines(v).map((l) => l.trim()));
  }
  for (const item of r.results ?? []) out.push(...outputOf(item));
  return out;
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  return s.replace(/\n$/, '').split('\n');
}
