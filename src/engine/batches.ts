import { ConfigError } from '../errors.js';
import type { Serial } from '../playbook/types.js';

/**
 * Split a play's hosts into rolling batches the way Ansible's `serial` does:
 *   serial: 1          -> [[a],[b],[c]]
 *   serial: "50%"      -> [[a],[b],[c]] (50% of 3 hosts rounds down to 1, never below 1)
 *   serial: [1, "50%"] -> first batch 1 host, then 50% batches until done (last value repeats)
 */
export function computeBatches(hosts: string[], serial: Serial | undefined): string[][] {
  if (serial === undefined || hosts.length === 0) return hosts.length ? [hosts] : [];
  const steps = Array.isArray(serial) ? serial : [serial];
  if (steps.length === 0) return [hosts];
  const sizes = steps.map((s) => batchSize(s, hosts.length));
  const batches: string[][] = [];
  let i = 0;
  let step = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(step, sizes.length - 1)]!;
    batches.push(hosts.slice(i, i + size));
    i += size;
    step++;
  }
  return batches;
}

function batchSize(s: number | string, total: number): number {
  if (typeof s === 'number') {
    if (!Number.isInteger(s) || s < 0) throw new ConfigError({ message: `serial must be a whole number or a percentage, got ${s}` });
    return s === 0 ? total : s;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(s);
  if (m) return Math.max(1, Math.floor((Number(m[1]) / 100) * total));
  if (/^\s*\d+\s*$/.test(s)) return Number(s) || total;
  throw new ConfigError({ message: `serial must be a number or a percentage like "30%", got "${s}"` });
}
