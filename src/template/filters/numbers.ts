/** Conversions: int, float, bool, and byte sizes for people. */
import { describeValue } from '../describe-value.js';
import type { FilterDef } from './define.js';

/** Jinja's int: numbers truncate, strings parse (also "3.7" and "0x1f" with base=16), failures give `default` */
export function toInt(value: unknown, fallback: unknown = 0, base = 10): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : fallback;
  if (typeof value !== 'string') return fallback;
  const s = value.trim().replace(/_/g, '');
  const digits = base === 16 ? /^[+-]?(0x)?[0-9a-f]+$/i : base === 8 ? /^[+-]?(0o)?[0-7]+$/i : base === 2 ? /^[+-]?(0b)?[01]+$/i : /^[+-]?\d+$/;
  if (digits.test(s)) {
    const negative = s.startsWith('-');
    const body = s.replace(/^[+-]/, '').replace(/^0[xob]/i, '');
    const n = parseInt(body, base);
    return negative ? -n : n;
  }
  if (base === 10 && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Math.trunc(Number(s));
  return fallback;
}

export function toFloat(value: unknown, fallback: unknown = 0): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value)) return Number(value);
  return fallback;
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1', 'y', 't']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0', 'n', 'f', '']);

/**
 * Ansible's bool: yes/no, on/off, true/false, 1/0 (any case). Anything else is an error rather
 * than a silent false: `"enabled" | bool` is more likely a mistake than a meaning.
 */
export function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (TRUE_WORDS.has(s)) return true;
    if (FALSE_WORDS.has(s)) return false;
  }
  throw new Error(`${describeValue(value)} is not a boolean (use yes/no, on/off, true/false or 1/0)`);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Ansible's human_readable: 1536 -> "1.50 KB" (powers of 1024) */
export function humanReadable(size: number, isbits = false, unit?: string): string {
  const suffixes = isbits ? UNITS.map((u) => u.replace('B', 'b')) : UNITS;
  let i = 0;
  if (unit) {
    i = UNITS.findIndex((u) => u[0] === unit.toUpperCase()[0]);
    if (i < 0) throw new Error(`unknown unit \`${unit}\``);
  } else {
    while (i < UNITS.length - 1 && Math.abs(size) >= 1024 ** (i + 1)) i++;
  }
  return `${(size / 1024 ** i).toFixed(2)} ${suffixes[i]}`;
}

/** Ansible's human_to_bytes: "10M" / "10 MB" / "1.5G" -> bytes (powers of 1024) */
export function humanToBytes(text: unknown, defaultUnit?: string, isbits = false): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTPEZY]?)(i?)([Bb]?)\s*$/i.exec(String(text));
  if (!m) throw new Error(`cannot read ${describeValue(text)} as a size (e.g. "512M", "2 GB")`);
  const [, num, prefix, , b] = m;
  const unit = (prefix || defaultUnit?.[0] || '').toUpperCase();
  if (b && (b === 'b') !== isbits) throw new Error(`${describeValue(text)} is in ${b === 'b' ? 'bits' : 'bytes'}; pass isbits=${b === 'b'}`);
  const power = unit === '' ? 0 : UNITS.findIndex((u) => u[0] === unit);
  return Math.round(Number(num) * 1024 ** power);
}

export const numberFilters: Record<string, FilterDef> = {
  int: { params: ['default', 'base'], fn: (v, a) => toInt(v, a.get('default', 0), a.get('base', 10)) },
  float: { params: ['default'], fn: (v, a) => toFloat(v, a.get('default', 0)) },
  bool: { fn: (v) => toBool(v) },
  abs: {
    fn: (v) => {
      if (typeof v !== 'number') throw new Error(`expected a number, got ${describeValue(v)}`);
      return Math.abs(v);
    },
  },
  human_readable: {
    params: ['isbits', 'unit'],
    fn: (v, a) => {
      const n = toFloat(v, undefined);
      if (typeof n !== 'number') throw new Error(`expected a number, got ${describeValue(v)}`);
      return humanReadable(n, a.get('isbits', false), a.get('unit'));
    },
  },
  human_to_bytes: {
    params: ['default_unit', 'isbits'],
    fn: (v, a) => humanToBytes(v, a.get('default_unit'), a.get('isbits', false)),
  },
};
