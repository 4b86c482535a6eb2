/**
 * The lock `runbook apply` (and every scheduled run, which goes through apply) takes before
 * it connects to any host, and holds until the run's record is written.
 *
 *   --lock file   (default) a lock file per targeted host in this machine's lock directory,
 *                 plus a lease in the cluster's etcd whenever it answers
 *   --lock etcd   the same, but the lease in the cluster's etcd is required
 *   --lock none   no lock
 *   --lock-wait N wait up to N seconds for a run that holds it; default: refuse at once
 *   --locks-dir   where lock files go; default: lock-dir.ts
 *
 * `--check` runs change nothing and take no lock, so a dry run never waits for a backup.
 */
import { Option, type Command } from 'commander';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { RunbookError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { connectionVars } from '../inventory/connection-vars.js';
import type { Inventory } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';
import { render } from '../template/index.js';
import { EtcdLockBackend } from './etcd-lock.js';
import { FileLockBackend, pidAlive } from './file-lock.js';
import { describeHalfDone } from './half-done.js';
import { acquireLock, currentHolder, describeHolder, LockHeldError, type AcquireOptions, type HeldLock, type LockHolder } from './lock.js';
import { defaultLocksDir, ensureLockDir } from './lock-dir.js';
import { runLockName } from './lock-name.js';

export type LockKind = 'file' | 'etcd' | 'none';

export interface LockFlags {
  lock?: LockKind;
  /** seconds */
  lockWait?: number;
  locksDir?: string;
  /** set by the scheduler (not a command-line option): the job and tick this run is for */
  scheduleTick?: { job: string; at: Date };
}

/** what else of the apply flags the lock needs: the connection settings, for an etcd lock */
export interface RunLockFlags extends LockFlags {
  inventory: string[];
  check: boolean;
  forks: number;
  user?: string;
  knownHosts?: string;
  acceptNewHostKeys: boolean;
  sshConfig?: string;
  connectTimeout: number;
}

export { defaultLocksDir };

export function addLockOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--lock <kind>', 'keep two runs on one cluster apart: file (on this machine, plus a lease in the cluster\'s etcd when it answers), etcd (the lease is required), none').choices(['file', 'etcd', 'none']).default('file'))
    .option('--lock-wait <seconds>', 'wait this long for a run that holds the lock (default: refuse at once)', (v: string) => nonNegativeInt(v), 0)
    .option('--locks-dir <dir>', 'where lock files go (default: $RUNBOOK_LOCKS_DIR, else /run/lock/runbook as root, else $XDG_RUNTIME_DIR/runbook/locks or ~/.runbook/locks)');
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--lock-wait must be a whole number of seconds, got "${v}"`);
  return n;
}

/** where the plays' hosts really are (address:port), so the lock names the cluster, not the file */
export function targetAddresses(inputs: { playbook: Playbook; inventory: Inventory; extraVars?: Record<string, unknown> }, targets: readonly string[]): string[] {
  const { inventory } = inputs;
  const patterns = inputs.playbook.plays.map((p, i) => {
    try {
      return render(p.hosts, { ...p.vars, ...(inputs.extraVars ?? {}) });
    } catch {
      return targets[i]!;
    }
  });
  return [...new Set(patterns.flatMap((t) => safeSelect(inventory, t)))].map((h) => {
    const c = connectionVars(inventory.varsFor(h));
    return `${c.address ?? h}:${c.port ?? 22}`;
  });
}

/** The tick was already run by another scheduler sharing the etcd lock: nothing to do, not a failure. */
export class TickAlreadyRunError extends RunbookError {
  readonly exitCode = 0;
}

/** The lock's backend could not be reached (etcd members down): nothing ran. */
export class LockUnavailableError extends RunbookError {
  readonly exitCode = 4;
}

/** how long a run waits, at most, for the cluster's etcd to answer a lease it takes on the side */
const LEASE_ATTEMPT_MS = 15_000;

/**
 * Take the run's locks, or throw LockHeldError (exit 75) naming the holder. Returns undefined
 * when the run takes none (`--lock none`, `--check`). The holder is updated with the run id
 * and record as soon as the run has them.
 *
 * The locks name the cluster, not the inventory file or the directory the run started in:
 *  - on this machine, one lock file per targeted host address, in one directory for the whole
 *    machine (lock-dir.ts), so any run that shares a host with this one waits or is refused;
 *  - in the cluster itself, the key `runbook/locks/cluster` with a lease, so runs from other
 *    users and other controllers are kept out too. With `--lock file` it is taken whenever a
 *    member of the `etcd` group answers (a restore of a cluster that is down goes on with the
 *    file locks alone, and says so); with `--lock etcd` it is required.
 */
export async function takeRunLock(
  inputs: { playbook: Playbook; inventory: Inventory; extraVars?: Record<string, unknown> },
  flags: RunLockFlags,
  bus: EventBus,
  signal?: AbortSignal,
): Promise<HeldLock | undefined> {
  const kind = flags.lock ?? 'file';
  if (kind === 'none' || flags.check) return undefined;
  const targets = inputs.playbook.plays.map((p) => p.hosts);
  const addresses = targetAddresses(inputs, targets);
  const warn = (message: string) => bus.emit({ type: 'warning', message });
  const here = hostname();
  const told = new Set<string>();
  const onStale = (prev: LockHolder | undefined, where: string) => {
    const who = prev ? `${prev.host}:${prev.pid}:${prev.since}` : where;
    if (told.has(who)) return;
    told.add(who);
    const halfDone = prev?.runDir ? describeHalfDone(prev.runDir) : undefined;
    warn(`took over stale run lock ${where}${prev ? ` left by ${describeHolder(prev)}, which is no longer running` : ' (unreadable)'}${halfDone ? `: ${halfDone}` : ''}`);
  };

  const holder = currentHolder({ job: flags.scheduleTick?.job });
  const deadline = Date.now() + (flags.lockWait ?? 0) * 1000;
  const labels = readableLabels(inputs.inventory, addresses);
  const waitOpts = (name: string) => ({
    label: labels.get(name) ?? (name === CLUSTER_LEASE_NAME ? `the cluster of ${clusterMembers(inputs.inventory, targets, kind).join(', ')}` : undefined),
    waitMs: Math.max(0, deadline - Date.now()),
    signal,
    onWait: (h: LockHolder | undefined, detail?: string) => warn(`waiting up to ${flags.lockWait}s for run lock ${name}, held by ${h ? describeHolder(h) : (detail ?? 'an unknown holder')}`),
  });
  const held: HeldLock[] = [];
  const releaseAll = async () => {
    for (const l of held.reverse()) await l.release().catch(() => undefined);
  };
  let leaseName = CLUSTER_LEASE_NAME;
  try {
    const dir = resolve(flags.locksDir ?? defaultLocksDir());
    ensureLockDir(dir);
    const files = new FileLockBackend({ dir, onStale });
    // sorted, so two runs sharing hosts take them in one order and never hold one each
    const names = addresses.length ? [...new Set(addresses.map(hostLockName))].sort() : [runLockName(flags.inventory, targets)];
    for (const name of names) held.push(await acquireLock(files, name, holder, waitOpts(name)));

    const members = clusterMembers(inputs.inventory, targets, kind);
    if (members.length) {
      const lease = new EtcdLockBackend({
        connect: async () => {
          const { etcdLockConnector } = await import('./etcd-lock-connect.js');
          return etcdLockConnector(inputs.inventory, members, {
            sshConfigFile: flags.sshConfig,
            knownHosts: flags.knownHosts,
            acceptNewHostKeys: flags.acceptNewHostKeys,
            connectTimeoutMs: flags.connectTimeout * 1000,
            user: flags.user,
            forks: flags.forks,
          })();
        },
        onLost: (n, err) => warn(`the etcd lease of run lock ${n} was lost (${err.message}); another run may start while this one is still running`),
        isStale: (h) => h.host === here && !pidAlive(h.pid),
        onStale,
      });
      if (kind === 'etcd') {
        try {
          held.push(await acquireLock(lease, leaseName, holder, waitOpts(leaseName)));
        } catch (err) {
          if (err instanceof RunbookError) throw err;
          throw new LockUnavailableError(`cannot take run lock ${leaseName} (${lease.describe(leaseName)}): ${(err as Error).message}; nothing was changed`, 'check that an etcd member is reachable, or run with --lock file', { cause: err });
        }
      } else {
        const got = await takeLeaseIfAnswered(lease, leaseName, holder, waitOpts(leaseName));
        if (got.lock) held.push(got.lock);
        else warn(`the cluster's etcd did not answer (${got.why}); this run is locked on this controller only (${dir})`);
      }
    }
  } catch (err) {
    await releaseAll();
    if (err instanceof RunbookError) throw err;
    throw new LockUnavailableError(`cannot take the run lock: ${(err as Error).message}; nothing was changed`, undefined, { cause: err });
  }
  leaseName = held.map((l) => l.name).join(', ');

  const tick = flags.scheduleTick;
  const ticker = held.find((l) => l.claimTick);
  if (tick && ticker?.claimTick) {
    let claimed: boolean;
    try {
      claimed = await ticker.claimTick(tick.job, tick.at);
    } catch (err) {
      await releaseAll();
      throw new LockUnavailableError(`cannot record job ${tick.job}'s run in etcd: ${(err as Error).message}; nothing was changed`, undefined, { cause: err });
    }
    if (!claimed) {
      await releaseAll();
      throw new TickAlreadyRunError(`job ${tick.job}: the run due at ${tick.at.toISOString()} was already taken by another scheduler; nothing to do`);
    }
  }

  const update = (patch: Partial<LockHolder>) => Promise.all(held.map((l) => l.update(patch))).then(() => undefined);
  const off = bus.on((e) => {
    if (e.type === 'run:start') update({ runId: e.runId, runDir: resolve(e.runDir) }).catch((err: Error) => warn(`could not record the run id in lock ${leaseName}: ${err.message}`));
  });
  return {
    name: leaseName,
    backend: [...new Set(held.map((l) => l.backend))].join('+'),
    get holder() {
      return held[0]!.holder;
    },
    update,
    release: async () => {
      off();
      await releaseAll();
    },
  };
}

/** each host lock's name -> `node1 (10.0.0.11:22)`: the inventory's name for the address */
function readableLabels(inventory: Inventory, addresses: readonly string[]): Map<string, string> {
  const names = new Map<string, string[]>();
  for (const h of inventory.hosts.keys()) {
    const c = connectionVars(inventory.varsFor(h));
    const a = `${c.address ?? h}:${c.port ?? 22}`;
    if (addresses.includes(a)) names.set(a, [...(names.get(a) ?? []), h]);
  }
  return new Map(addresses.map((a) => [hostLockName(a), `${(names.get(a) ?? ['?']).join(', ')} (${a})`]));
}

/** the key of the lease in the cluster's own etcd: the cluster itself is what is locked */
export const CLUSTER_LEASE_NAME = 'cluster';

/** `host-10.0.0.11_22`: the lock file of one targeted host */
export function hostLockName(address: string): string {
  return `host-${address.replace(/:(\d+)$/, '_$1')}`.replace(/[^A-Za-z0-9._@-]+/g, '_');
}

/** members to hold the lease through: the `etcd` group; with --lock etcd, the play's hosts when there is none */
function clusterMembers(inventory: Inventory, targets: readonly string[], kind: LockKind): string[] {
  const group = inventory.groups.get('etcd') ? safeSelect(inventory, 'etcd') : [];
  if (group.length || kind !== 'etcd') return group;
  return [...new Set(targets.flatMap((t) => safeSelect(inventory, t)))];
}

/**
 * The lease, when the cluster answers within LEASE_ATTEMPT_MS. Held by another run: that
 * refusal (or wait) stands. Not reachable, or no quorum to grant a lease: the reason.
 */
async function takeLeaseIfAnswered(
  lease: EtcdLockBackend,
  name: string,
  holder: LockHolder,
  opts: AcquireOptions,
): Promise<{ lock: HeldLock; why?: undefined } | { lock?: undefined; why: string }> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = acquireLock(lease, name, holder, opts).then((lock) => ({ lock }));
  const timeout = new Promise<{ lock?: undefined; why: string }>((r) => {
    timer = setTimeout(() => r({ why: `no answer within ${LEASE_ATTEMPT_MS / 1000}s` }), LEASE_ATTEMPT_MS + (opts.waitMs ?? 0));
  });
  try {
    const got = await Promise.race([attempt, timeout]);
    if (!got.lock) {
      // the attempt may still succeed later: give such a lock back at once
      attempt.then((l) => l.lock.release(), () => undefined).catch(() => undefined);
      await lease.close();
    }
    return got;
  } catch (err) {
    if (err instanceof LockHeldError) throw err;
    return { why: firstLine((err as Error).message) };
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' ');
}

/** a play's `hosts:` may be a template the lock cannot resolve; such a play just adds no member */
function safeSelect(inventory: Inventory, pattern: string): string[] {
  try {
    return inventory.select(pattern);
  } catch {
    return [];
  }
}
