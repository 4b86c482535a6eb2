/**
 * The lock `runbook apply` (and every scheduled run, which goes through apply) takes before
 * it connects to any host, and holds until the run's record is written.
 *
 *   --lock file   (default) a lock file on this controller, .runbook/locks/<name>.lock
 *   --lock etcd   a key with a lease in the target etcd cluster, shared by every controller
 *   --lock none   no lock
 *   --lock-wait N wait up to N seconds for a run that holds it; default: refuse at once
 *   --locks-dir   where file locks go; default $RUNBOOK_LOCKS_DIR, else .runbook/locks
 *
 * `--check` runs change nothing and take no lock, so a dry run never waits for a backup.
 */
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { RunbookError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { connectionVars } from '../inventory/connection-vars.js';
import type { Inventory } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';
import { render } from '../template/index.js';
import { EtcdLockBackend } from './etcd-lock.js';
import { FileLockBackend } from './file-lock.js';
import { acquireLock, currentHolder, describeHolder, type HeldLock, type LockBackend } from './lock.js';
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

/** $RUNBOOK_LOCKS_DIR lets manual runs and the scheduler share one directory wherever they start */
export function defaultLocksDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RUNBOOK_LOCKS_DIR ?? '.runbook/locks';
}

export function addLockOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--lock <kind>', 'keep two runs on the same inventory and targets apart: file (on this controller), etcd (in the target cluster), none').choices(['file', 'etcd', 'none']).default('file'))
    .option('--lock-wait <seconds>', 'wait this long for a run that holds the lock (default: refuse at once)', (v: string) => nonNegativeInt(v), 0)
    .option('--locks-dir <dir>', 'where file locks go (default: $RUNBOOK_LOCKS_DIR or .runbook/locks)');
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--lock-wait must be a whole number of seconds, got "${v}"`);
  return n;
}

/** where the plays' hosts really are (address:port), so the lock names the cluster, not the file */
function targetAddresses(inputs: { playbook: Playbook; inventory: Inventory; extraVars?: Record<string, unknown> }, targets: readonly string[]): string[] {
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

/**
 * Take the run's lock, or throw LockHeldError (exit 75) naming the holder. Returns undefined
 * when the run takes none (`--lock none`, `--check`). The holder is updated with the run id
 * as soon as the run has one.
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
  const name = runLockName(flags.inventory, targets, targetAddresses(inputs, targets));
  const warn = (message: string) => bus.emit({ type: 'warning', message });
  const backend: LockBackend =
    kind === 'etcd'
      ? new EtcdLockBackend({
          connect: async () => {
            const { etcdLockConnector, lockMembers } = await import('./etcd-lock-connect.js');
            const members = lockMembers(inputs.inventory, targets.flatMap((t) => safeSelect(inputs.inventory, t)));
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
        })
      : new FileLockBackend({
          dir: resolve(flags.locksDir ?? defaultLocksDir()),
          onStale: (prev, path) => warn(`took over stale run lock ${path}${prev ? ` left by ${describeHolder(prev)}, which is no longer running` : ' (unreadable)'}`),
        });

  const holder = currentHolder({ job: flags.scheduleTick?.job });
  let lock: HeldLock;
  try {
    lock = await acquireLock(backend, name, holder, {
      waitMs: (flags.lockWait ?? 0) * 1000,
      signal,
      onWait: (h, detail) => warn(`waiting up to ${flags.lockWait}s for run lock ${name}, held by ${h ? describeHolder(h) : (detail ?? 'an unknown holder')}`),
    });
  } catch (err) {
    if (err instanceof RunbookError) throw err;
    throw new LockUnavailableError(`cannot take run lock ${name} (${backend.describe(name)}): ${(err as Error).message}; nothing was changed`, kind === 'etcd' ? 'check that an etcd member is reachable, or run with --lock file' : undefined, { cause: err });
  }

  const tick = flags.scheduleTick;
  if (tick && lock.claimTick) {
    let claimed: boolean;
    try {
      claimed = await lock.claimTick(tick.job, tick.at);
    } catch (err) {
      await lock.release();
      throw new LockUnavailableError(`cannot record job ${tick.job}'s run in etcd: ${(err as Error).message}; nothing was changed`, undefined, { cause: err });
    }
    if (!claimed) {
      await lock.release();
      throw new TickAlreadyRunError(`job ${tick.job}: the run due at ${tick.at.toISOString()} was already taken by another scheduler; nothing to do`);
    }
  }

  const off = bus.on((e) => {
    if (e.type === 'run:start') lock.update({ runId: e.runId }).catch((err: Error) => warn(`could not record the run id in lock ${name}: ${err.message}`));
  });
  return {
    ...lock,
    name: lock.name,
    backend: lock.backend,
    get holder() {
      return lock.holder;
    },
    release: async () => {
      off();
      await lock.release();
    },
  };
}

/** a play's `hosts:` may be a template the lock cannot resolve; such a play just adds no member */
function safeSelect(inventory: Inventory, pattern: string): string[] {
  try {
    return inventory.select(pattern);
  } catch {
    return [];
  }
}
