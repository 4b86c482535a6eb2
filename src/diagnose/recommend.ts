/**
 * The action of a finding: which shipped runbook fixes it and with exactly which -e values, as
 * one command line an operator can paste. The inventory in the command is the one diagnose was
 * given, so the line runs as it is.
 */
import type { Action } from './types.js';
import { quote } from '../transport/shell-quote.js';

export interface RecommendContext {
  inventory: readonly string[];
}

export function runbookAction(ctx: RecommendContext, runbook: string, extraVars: Record<string, string>, text: string): Action {
  const inv = ctx.inventory.map((i) => `-i ${quote(i)}`).join(' ');
  const vars = Object.entries(extraVars)
    // the names are the runbooks' own identifiers; only the value can need quoting, and leaving
    // `name=` bare keeps the line as an operator would type it
    .map(([k, v]) => `-e ${k}=${quote(v)}`)
    .join(' ');
  return {
    runbook,
    extraVars,
    command: ['runbook apply', runbook, inv, vars].filter((s) => s !== '').join(' '),
    text,
  };
}

export function manualAction(text: string): Action {
  return { text };
}

/** round up to a multiple of `step` */
export function ceilTo(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

/**
 * Heartbeat and election timeout for a measured round trip, after etcd's tuning guide:
 * heartbeat about the round trip (here 1.5x, at least etcd's default 100 ms, in 50 ms steps),
 * election timeout 10x the heartbeat (so at least 10x the round trip), at most 50000 ms.
 */
export function timingFor(rttMs: number): { heartbeatMs: number; electionMs: number } {
  const heartbeatMs = Math.max(100, ceilTo(rttMs * 1.5, 50));
  const electionMs = Math.min(50_000, Math.max(1000, heartbeatMs * 10));
  return { heartbeatMs, electionMs };
}
