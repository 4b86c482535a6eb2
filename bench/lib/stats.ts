/** Medians and ranges of repeated measurements; nothing here asserts anything about timings. */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return { n: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { n: ok.length, median: median(ok), min: Math.min(...ok), max: Math.max(...ok) };
}

/**
 * Ratios taken pair by pair: a[i] / b[i] for the i-th round, in which both were measured back to
 * back, so a burst of load from elsewhere hits both sides of one ratio rather than only one.
 */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isFinite(x) && Number.isFinite(y) && y > 0) out.push(x / y);
  }
  return out;
}

/** `1.23 s (1.10–1.50)` style, for seconds given in milliseconds */
export function fmtSeconds(s: Summary, digits = 2): string {
  if (s.n === 0) return 'n/a';
  const f = (ms: number) => (ms / 1000).toFixed(digits);
  return s.n === 1 ? `${f(s.median)} s` : `${f(s.median)} s (${f(s.min)}–${f(s.max)})`;
}

export function fmtMs(s: Summary): string {
  if (s.n === 0) return 'n/a';
  const f = (ms: number) => ms.toFixed(Math.abs(ms) < 10 ? 1 : 0);
  return s.n === 1 ? `${f(s.median)} ms` : `${f(s.median)} ms (${f(s.min)}–${f(s.max)})`;
}

/** a signed difference in ms: `+150 ms (+100…+200)` */
export function fmtDeltaMs(s: Summary): string {
  if (s.n === 0) return 'n/a';
  const f = (ms: number) => `${ms > 0 ? '+' : ms < 0 ? '−' : '±'}${Math.abs(ms).toFixed(Math.abs(ms) < 10 ? 1 : 0)}`;
  return s.n === 1 ? `${f(s.median)} ms` : `${f(s.median)} ms (${f(s.min)}…${f(s.max)})`;
}

export function fmtRatio(s: Summary, digits = 1): string {
  if (s.n === 0) return 'n/a';
  const f = (x: number) => x.toFixed(x < 10 ? digits : 0);
  return s.n === 1 ? `${f(s.median)}x` : `${f(s.median)}x (${f(s.min)}–${f(s.max)})`;
}

export function fmtNumber(s: Summary, unit: string, digits = 0): string {
  if (s.n === 0) return 'n/a';
  const f = (x: number) => x.toFixed(digits);
  return s.n === 1 ? `${f(s.median)} ${unit}` : `${f(s.median)} ${unit} (${f(s.min)}–${f(s.max)})`;
}
