/**
 * Go durations (`40s`, `1m30s`, `5m0s`, `500ms`), as Kubernetes components take them in flags
 * and config files. A runbook compares timings (grace period >= N x update frequency) in seconds.
 *
 *   '2m' | duration_seconds          -> 120
 *   '1m30s' | duration_seconds       -> 90
 *   'soon' | duration_seconds(-1)    -> -1 (the default for what is not a duration)
 */
import { describeValue } from '../describe-value.js';
import type { FilterDef } from './define.js';

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
const UNIT: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Go's time.ParseDuration in seconds, or undefined when `text` is not a Go duration */
export function goDurationSeconds(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = /^[+-]/.test(text) ? text.slice(1) : text;
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const start = PART.lastIndex;
    const m = PART.exec(body);
    if (!m || m.index !== start) return undefined;
    total += Number(m[1]) * UNIT[m[2]!]!;
  }
  // rounded to the nanosecond, so 0.1s + 0.2s compares as 0.3s
  return sign * Math.round(total * 1e9) / 1e9;
}

export const durationFilters: Record<string, FilterDef> = {
  duration_seconds: {
    params: ['default'],
    fn: (v, a) => {
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      const s = typeof v === 'string' ? goDurationSeconds(v.trim()) : undefined;
      if (s !== undefined) return s;
      const fallback = a.get<unknown>('default', undefined);
      if (fallback !== undefined) return fallback;
      throw new Error(`expected a Go duration such as 40s, 1m30s or 500ms, got ${describeValue(v)}`);
    },
  },
};
