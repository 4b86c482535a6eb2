/**
 * Run locks: two runs against the same cluster never execute at once.
 * A backend tries once (tryAcquire); acquireLock polls it for up to `waitMs` and otherwise
 * fails with who holds the lock and since when.
 *
 * Backends: file-lock.ts (a file on the controller, the default) and etcd-lock.ts (a key with
 * a lease in the target cluster, for schedulers on several machines).
 */
import { hostname } from 'node:os';
import { operatorName } from '../util/operator.js';
import { RunbookError } from '../errors.js';
import { formatDuration } from './duration.js';

export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  /** set once the run has an id */
  runId?: string;
  /** the run's record (absolute), so a run taking over a stale lock can say what was left half-done */
  runDir?: string;
  /** scheduled job name, for runs the scheduler started */
  job?: string;
  /** the command line, for a human deciding whether the holder is still alive */
  command?: string;
  /** ISO time the lock was taken */
  since: string;
}

export interface HeldLock {
  readonly name: string;
  readonly backend: string;
  readonly holder: LockHolder;
  /** add what became known after acquiring (the run id) */
  update(patch: Partial<LockHolder>): Promise<void>;
  release(): Promise<void>;
  /**
   * Claim one scheduled tick of a job while holding the lock: false when another scheduler
   * already ran that tick. Only shared backends (etcd) implement it.
   */
  claimTick?(job: string, tick: Date): Promise<boolean>;
}

export type TryResult = { ok: true; lock: HeldLock } | { ok: false; holder?: LockHolder; detail?: string };

export interface LockBackend {
  readonly kind: string;
  tryAcquire(name: string, holder: LockHolder): Promise<TryResult>;
  /** where the lock lives, for messages */
  describe(name: string): string;
  /** drop what tryAcquire opened (a connection) when acquiring is given up */
  close?(): Promise<void>;
  /** what to do when the holder is gone for good, for the refusal's hint */
  holderGoneHint?(name: string, holder: LockHolder): string;
}

/** exit code of a run refused because another run holds the lock: sysexits' EX_TEMPFAIL, "try again later" */
export const LOCK_HELD_EXIT_CODE = 75;

export class LockHeldError extends RunbookError {
  readonly exitCode = LOCK_HELD_EXIT_CODE;
  constructor(
    readonly lockName: string,
    readonly holder: LockHolder | undefined,
    where: string,
    waitedMs: number,
    detail?: string,
    holderGone?: string,
    /** what the lock keeps, as people name it: `node1 (10.0.0.11:22)`, `the cluster of node1, node2, node3` */
    label?: string,
  ) {
    super(
      `${label ? `${label}: ` : ''}another run holds the lock ${lockName} (${where})${waitedMs ? ` after waiting ${formatDuration(waitedMs)}` : ''}: ${holder ? describeHolder(holder) : (detail ?? 'holder unknown')}; nothing was changed`,
      `wait for it to finish, or pass --lock-wait SECONDS to wait for it${holderGone ? `; ${holderGone}` : ''}`,
    );
  }
}

/** `alice@ctl1 pid 4242, run 20261122T101502Z-3f9a (job prod-backup), since 2026-11-22T10:15:02Z (3m ago)` */
export function describeHolder(h: LockHolder, now = new Date()): string {
  const ageMs = now.getTime() - Date.parse(h.since);
  const age = Number.isFinite(ageMs) && ageMs >= 0 ? ` (${ageAgo(ageMs)})` : '';
  const run = h.runId ? `, run ${h.runId}` : '';
  const job = h.job ? ` (job ${h.job})` : '';
  const cmd = h.command ? `, running "${commandLine(h.command)}"` : '';
  return `${h.user}@${h.host} pid ${h.pid}${run}${job}${cmd}, since ${readableTime(h.since)}${age}`;
}

/** `2026-11-22 10:15:02Z`: an ISO time without the T and the milliseconds nobody reads */
export function readableTime(iso: string): string {
  return iso.replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/, '$1 $2Z');
}

/** the holder's command as typed: `runbook apply playbooks/x.yaml ...`, not node's path to the CLI */
function commandLine(command: string): string {
  const c = command.replace(/^\S*(cli\.js|runbook\.cjs|runbook)\s+/, 'runbook ');
  return c.length > 100 ? `${c.slice(0, 99)}…` : c;
}

function ageAgo(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

export function currentHolder(extra: Partial<LockHolder> = {}, now = new Date()): LockHolder {
  return { user: operatorName(), host: hostname(), pid: process.pid, command: process.argv.slice(1).join(' ').slice(0, 300), since: now.toISOString(), ...extra };
}

export interface AcquireOptions {
  /** 0: fail at once when held */
  waitMs?: number;
  pollMs?: number;
  /** what the lock keeps, as people name it, for the refusal */
  label?: string;
  /** told once, when the first attempt finds the lock held */
  onWait?: (holder: LockHolder | undefined, detail?: string) => void;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export async function acquireLock(backend: LockBackend, name: string, holder: LockHolder, opts: AcquireOptions = {}): Promise<HeldLock> {
  const waitMs = opts.waitMs ?? 0;
  const pollMs = opts.pollMs ?? 1000;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  let told = false;
  for (;;) {
    let r: TryResult;
    try {
      r = await backend.tryAcquire(name, holder);
    } catch (err) {
      await backend.close?.();
      throw err;
    }
    if (r.ok) return r.lock;
    const waited = now() - started;
    if (waited >= waitMs || opts.signal?.aborted) {
      await backend.close?.();
      throw new LockHeldError(name, r.holder, backend.describe(name), waitMs ? waited : 0, r.detail, r.holder && backend.holderGoneHint?.(name, r.holder), opts.label);
    }
    if (!told) {
      told = true;
      opts.onWait?.(r.holder, r.detail);
    }
    await sleep(Math.min(pollMs, Math.max(1, waitMs - waited)));
  }
}
