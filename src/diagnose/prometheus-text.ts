/**
 * Prometheus' text exposition format, as much of it as etcd's /metrics uses: samples with
 * optional labels, histograms as `_bucket{le=...}`, `_sum`, `_count`. Pure functions, so the
 * window arithmetic (second sample minus first, then a quantile) is tested as tables.
 *
 *   const m = parseMetrics(text);
 *   histogramQuantile(0.99, histogramDelta(h1, h2))  -> seconds, as PromQL's histogram_quantile
 */
import type { Histogram } from './types.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: parseValue(m[4]!) });
  }
  return out;
}

/** the sum of every series of a metric (etcd's counters have at most a label or two) */
export function total(samples: readonly Sample[], name: string): number | null {
  const matching = samples.filter((s) => s.name === name);
  if (matching.length === 0) return null;
  return matching.reduce((a, s) => a + s.value, 0);
}

/** series of `name` whose labels include `where`, summed into one histogram */
export function histogram(samples: readonly Sample[], name: string, where: Record<string, string> = {}): Histogram | undefined {
  const fits = (s: Sample) => Object.entries(where).every(([k, v]) => s.labels[k] === v);
  const buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let seen = false;
  for (const s of samples) {
    if (!fits(s)) continue;
    if (s.name === `${name}_bucket`) {
      const le = parseValue(s.labels.le ?? 'NaN');
      if (Number.isNaN(le)) continue;
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
      seen = true;
    } else if (s.name === `${name}_count`) count += s.value;
    else if (s.name === `${name}_sum`) sum += s.value;
  }
  if (!seen) return undefined;
  return { buckets: [...buckets].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le), count, sum };
}

/** label values of `label` among the series of `name` */
export function labelValues(samples: readonly Sample[], name: string, label: string): string[] {
  return [...new Set(samples.filter((s) => s.name === name && s.labels[label] !== undefined).map((s) => s.labels[label]!))];
}

/** what happened between two samples; a counter reset (restart) gives the second as it is */
export function histogramDelta(before: Histogram | undefined, after: Histogram | undefined): Histogram | undefined {
  if (!after) return undefined;
  if (!before || after.count < before.count) return after;
  const prev = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: Math.max(0, b.count - (prev.get(b.le) ?? 0)) })),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/**
 * The q-quantile, interpolated linearly inside the bucket it falls in, as PromQL's
 * histogram_quantile does; null without observations. A quantile in the +Inf bucket is the
 * highest finite bound (the most the buckets can say).
 */
export function histogramQuantile(q: number, h: Histogram | undefined): number | null {
  if (!h) return null;
  const buckets = h.buckets;
  const totalCount = buckets.length > 0 ? buckets[buckets.length - 1]!.count : 0;
  if (totalCount <= 0) return null;
  const rank = q * totalCount;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      if (b.count === prevCount) return b.le;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / (b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}
