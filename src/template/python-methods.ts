/**
 * The handful of Python methods Ansible users call on values in templates:
 * `x.split(',')`, `x.startswith('v3.')`, `d.items()`, `d.get('k', 0)`, `l.index(v)`.
 * JavaScript's own methods are not exposed: `'a b'.split()` must split on whitespace as in Python.
 */
import { hasName, visibleNames } from './names.js';

type Method = (...args: unknown[]) => unknown;

export function pythonMethod(target: unknown, name: string): Method | undefined {
  if (typeof target === 'string') return own(stringMethods, name)?.bind(null, target);
  if (Array.isArray(target)) return own(listMethods, name)?.bind(null, target);
  if (target instanceof Map) return own(mapMethods, name)?.bind(null, Object.fromEntries(target));
  if (target !== null && typeof target === 'object') return own(mapMethods, name)?.bind(null, target as Record<string, unknown>);
  return undefined;
}

/** `table[name]` without reaching Object.prototype (`x.constructor` is not a method here) */
function own<T>(table: Record<string, T>, name: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

export function splitPython(s: string, sep?: unknown, maxsplit?: unknown): string[] {
  const max = typeof maxsplit === 'number' && maxsplit >= 0 ? maxsplit : Infinity;
  if (sep === undefined || sep === null) {
    // Python: runs of whitespace separate, leading/trailing whitespace yields no empty strings
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '' && out.length < max) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    if (rest !== '') out.push(out.length >= max ? rest.replace(/\s+$/, '') : rest);
    return out;
  }
  const separator = String(sep);
  if (separator === '') throw new Error('split: empty separator');
  const parts = s.split(separator);
  if (parts.length - 1 <= max) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(separator)];
}

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) {
    if (left && right) return s.trim();
    return left ? s.trimStart() : s.trimEnd();
  }
  const set = new Set(String(chars));
  let start = 0;
  let end = s.length;
  if (left) while (start < end && set.has(s[start]!)) start++;
  if (right) while (end > start && set.has(s[end - 1]!)) end--;
  return s.slice(start, end);
}

function anyOf(arg: unknown): string[] {
  return Array.isArray(arg) ? arg.map(String) : [String(arg)];
}

const stringMethods: Record<string, (s: string, ...args: unknown[]) => unknown> = {
  split: (s, sep, max) => splitPython(s, sep, max),
  splitlines: (s) => s.split(/\r?\n/).filter((line, i, all) => !(i === all.length - 1 && line === '')),
  strip: (s, chars) => stripChars(s, chars, true, true),
  lstrip: (s, chars) => stripChars(s, chars, true, false),
  rstrip: (s, chars) => stripChars(s, chars, false, true),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  title: (s) => s.replace(/\w\S*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  startswith: (s, prefix) => anyOf(prefix).some((p) => s.startsWith(p)),
  endswith: (s, suffix) => anyOf(suffix).some((p) => s.endsWith(p)),
  replace: (s, from, to, count) => {
    const max = typeof count === 'number' && count >= 0 ? count : Infinity;
    const parts = s.split(String(from));
    if (parts.length - 1 <= max) return parts.join(String(to));
    return parts.slice(0, max + 1).join(String(to)) + String(from) + parts.slice(max + 1).join(String(from));
  },
  find: (s, sub) => s.indexOf(String(sub)),
  count: (s, sub) => (String(sub) === '' ? s.length + 1 : s.split(String(sub)).length - 1),
  join: (s, items) => (Array.isArray(items) ? items.map(String).join(s) : String(items)),
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  format: (s, ...args) => {
    let next = 0;
    return s.replace(/\{(\d*)\}/g, (_, n: string) => String(args[n === '' ? next++ : Number(n)] ?? ''));
  },
};

const listMethods: Record<string, (l: unknown[], ...args: unknown[]) => unknown> = {
  index: (l, v) => {
    const i = l.indexOf(v);
    if (i < 0) throw new Error(`${JSON.stringify(v)} is not in list`);
    return i;
  },
  count: (l, v) => l.filter((x) => x === v).length,
};

const mapMethods: Record<string, (d: Record<string, unknown>, ...args: unknown[]) => unknown> = {
  keys: (d) => visibleNames(d),
  values: (d) => visibleNames(d).map((k) => d[k]),
  items: (d) => visibleNames(d).map((k) => [k, d[k]]),
  get: (d, k, fallback = null) => (hasName(d, String(k)) ? d[String(k)] : fallback),
};
