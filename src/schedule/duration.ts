/**
 * Durations as operators write them in schedules and retention rules: `90s`, `15m`, `1h`,
 * `7d`, `4w`, or combined `1h30m`. Months and years are left out on purpose: their length
 * varies, and retention counts calendar months with its own `monthly` rule instead.
 */
const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const PART = /(\d+)\s*([smhdw])/gy;

/** milliseconds of `text`, or an Error that says what is accepted */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '') throw new Error('empty duration (expected e.g. 90s, 15m, 1h, 7d, 4w)');
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = PART.lastIndex;
    while (s[consumed] === ' ') consumed++;
    PART.lastIndex = consumed;
  }
  if (consumed !== s.length || total === 0) {
    throw new Error(`"${text}" is not a duration (expected e.g. 90s, 15m, 1h, 7d, 4w, 1h30m)`);
  }
  return total;
}

/** `3723000` -> `1h2m3s`; sub-second values keep one decimal (`1.5s`) for run durations */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return ms < 10_000 && ms % 1000 !== 0 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n) parts.push(`${n}${unit}`);
  }
  return parts.join('');
}

/** a coarse age for listings: `42s`, `5m`, `3h20m`, `9d1h` */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) || ''}${s % 3600 >= 60 ? 'm' : ''}`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600) || ''}${s % 86_400 >= 3600 ? 'h' : ''}`;
}
