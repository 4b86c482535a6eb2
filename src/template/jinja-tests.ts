/**
 * Tests for `x is NAME`: Jinja's, plus Ansible's task-result tests (`result is failed`),
 * `version` (for `etcd_version is version('3.5.0', '>=')`) and `match`/`search`/`regex`.
 */
import { describeValue, kindOf } from './describe-value.js';
import type { FilterDef } from './filters/define.js';
import { pythonRegex } from './filters/regex.js';
import { equal, strictRuntime, toText } from './strict-runtime.js';
import { truthy } from './truthy.js';

function compare(op: string) {
  return { params: ['other'], fn: (v: unknown, a: { get(n: string): unknown }) => strictRuntime.compare(op, v, a.get('other'), 0, 0) } satisfies FilterDef;
}

function taskResult(value: unknown, test: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`\`is ${test}\` expects a registered task result, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

const failed: FilterDef = { fn: (v) => truthy(taskResult(v, 'failed').failed) };
const succeeded: FilterDef = { fn: (v) => !truthy(taskResult(v, 'succeeded').failed) };
const changed: FilterDef = { fn: (v) => truthy(taskResult(v, 'changed').changed) };
const skipped: FilterDef = { fn: (v) => truthy(taskResult(v, 'skipped').skipped) };

/** Loose version comparison: numeric parts numerically, others as text; a leading `v` is ignored */
export function compareVersions(a: string, b: string): number {
  const parts = (s: string) =>
    s
      .trim()
      .replace(/^v/i, '')
      .split(/[.\-+_~]/)
      .filter((p) => p !== '');
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (/^\d+$/.test(p) && /^\d+$/.test(q)) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d;
    } else if (p !== q) {
      return p < q ? -1 : 1;
    }
  }
  return 0;
}

const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  ne: (c) => c !== 0,
};

const version: FilterDef = {
  params: ['version', 'operator', 'strict'],
  fn: (v, a) => {
    const op = String(a.get('operator', 'eq'));
    const check = VERSION_OPS[op];
    if (!check) throw new Error(`unknown operator \`${op}\` (use one of ${Object.keys(VERSION_OPS).join(' ')})`);
    return check(compareVersions(toText(v), toText(a.get('version'))));
  },
};

function regexTest(anchor: 'match' | 'search'): FilterDef {
  return {
    params: ['pattern', 'ignorecase', 'multiline'],
    fn: (v, a) => {
      if (typeof v !== 'string') throw new Error(`expects a string, got ${describeValue(v)}`);
      const re = pythonRegex(toText(a.get('pattern')), { ignorecase: a.flag('ignorecase'), multiline: a.flag('multiline') });
      const m = re.exec(v);
      return m !== null && (anchor === 'search' || m.index === 0);
    },
  };
}

function listOf(v: unknown, test: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`\`is ${test}\` expects a list, got ${kindOf(v)}`);
  return v;
}

const equalTo = compare('==');

export const jinjaTests: Record<string, FilterDef> = {
  defined: { fn: (v) => v !== undefined },
  undefined: { fn: (v) => v === undefined },
  none: { fn: (v) => v === null },
  boolean: { fn: (v) => typeof v === 'boolean' },
  string: { fn: (v) => typeof v === 'string' },
  number: { fn: (v) => typeof v === 'number' },
  integer: { fn: (v) => typeof v === 'number' && Number.isInteger(v) },
  float: { fn: (v) => typeof v === 'number' && !Number.isInteger(v) },
  mapping: { fn: (v) => v !== null && typeof v === 'object' && !Array.isArray(v) },
  sequence: { fn: (v) => Array.isArray(v) || typeof v === 'string' },
  iterable: { fn: (v) => Array.isArray(v) || typeof v === 'string' || (v !== null && typeof v === 'object') },
  callable: { fn: (v) => typeof v === 'function' },
  truthy: { fn: (v) => truthy(v) },
  falsy: { fn: (v) => !truthy(v) },
  true: { fn: (v) => v === true },
  false: { fn: (v) => v === false },
  lower: { fn: (v) => typeof v === 'string' && v === v.toLowerCase() },
  upper: { fn: (v) => typeof v === 'string' && v === v.toUpperCase() },
  odd: { fn: (v) => typeof v === 'number' && Math.abs(v % 2) === 1 },
  even: { fn: (v) => typeof v === 'number' && v % 2 === 0 },
  divisibleby: { params: ['num'], fn: (v, a) => typeof v === 'number' && v % Number(a.get('num')) === 0 },
  equalto: equalTo,
  eq: equalTo,
  '==': equalTo,
  ne: compare('!='),
  '!=': compare('!='),
  lt: compare('<'),
  '<': compare('<'),
  lessthan: compare('<'),
  le: compare('<='),
  '<=': compare('<='),
  gt: compare('>'),
  '>': compare('>'),
  greaterthan: compare('>'),
  ge: compare('>='),
  '>=': compare('>='),
  sameas: { params: ['other'], fn: (v, a) => v === a.get('other') },
  in: { params: ['seq'], fn: (v, a) => strictRuntime.contains(v, a.get('seq'), 0, 0) },
  contains: { params: ['item'], fn: (v, a) => strictRuntime.contains(a.get('item'), v, 0, 0) },
  subset: { params: ['other'], fn: (v, a) => listOf(v, 'subset').every((x) => listOf(a.get('other'), 'subset').some((y) => equal(x, y))) },
  superset: { params: ['other'], fn: (v, a) => listOf(a.get('other'), 'superset').every((x) => listOf(v, 'superset').some((y) => equal(x, y))) },
  match: regexTest('match'),
  search: regexTest('search'),
  regex: {
    params: ['pattern', 'ignorecase', 'multiline', 'match_type'],
    fn: (v, a) => (a.get<string>('match_type', 'search') === 'match' ? regexTest('match') : regexTest('search')).fn(v, a),
  },
  version,
  version_compare: version,
  failed,
  failure: failed,
  succeeded,
  success: succeeded,
  successful: succeeded,
  changed,
  change: changed,
  skipped,
  skip: skipped,
};
