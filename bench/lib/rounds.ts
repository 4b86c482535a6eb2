import { summarize, type Summary } from './stats.js';

/** One measurement of one method: wall time and whatever else the method reports. */
export interface Sample {
  wallMs: number;
  /** controller CPU (user + sys) of the measured process tree */
  cpuMs?: number;
  /** CPU used inside the sandbox hosts meanwhile */
  hostCpuMs?: number;
  maxRssKb?: number;
  /** method-specific numbers (phases, MB/s, ...) */
  extra?: Record<string, number>;
}

export interface Series {
  samples: Sample[];
  errors: string[];
}

/**
 * Run every method once per round, a warm-up round first (discarded), then `n` measured rounds.
 * The order rotates from round to round so no method always runs right after the same other one;
 * sample i of every method comes from round i, which is what pair-by-pair ratios rely on. A
 * failed measurement is kept as NaN (so rounds stay aligned) and its error is reported.
 */
export async function rounds<K extends string>(
  n: number,
  methods: Array<[K, () => Promise<Sample>]>,
  log: (line: string) => void,
  opts: { warmup?: boolean; between?: () => Promise<void> } = {},
): Promise<Map<K, Series>> {
  const out = new Map<K, Series>(methods.map(([k]) => [k, { samples: [], errors: [] }]));
  const total = n + (opts.warmup === false ? 0 : 1);
  for (let r = 0; r < total; r++) {
    const warm = opts.warmup !== false && r === 0;
    const order = methods.map((_, i) => methods[(i + r) % methods.length]!);
    const label = warm ? 'warm-up' : `round ${r + (opts.warmup === false ? 1 : 0)}/${n}`;
    for (const [key, fn] of order) {
      let s: Sample;
      try {
        s = await fn();
        log(`  ${label}  ${key}: ${(s.wallMs / 1000).toFixed(2)} s`);
      } catch (err) {
        const msg = (err as Error).message;
        log(`  ${label}  ${key}: FAILED ${msg.split('\n')[0]}`);
        if (!warm) out.get(key)!.errors.push(msg);
        s = { wallMs: Number.NaN };
      }
      if (!warm) out.get(key)!.samples.push(s);
      await opts.between?.();
    }
  }
  return out;
}

export function field(series: Series | undefined, f: (s: Sample) => number | undefined): number[] {
  return (series?.samples ?? []).map((s) => f(s) ?? Number.NaN);
}

export function sum(series: Series | undefined, f: (s: Sample) => number | undefined): Summary {
  return summarize(field(series, f));
}
