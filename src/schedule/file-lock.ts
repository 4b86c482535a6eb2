/**
 * The default run lock: `<dir>/<name>.lock` on the controller, created with O_EXCL (only one
 * process can create it) and holding the holder as JSON.
 *
 * A lock whose holder ran on this host and whose pid is gone (killed, crashed, power cut) is
 * stale: the next run takes it over and says so. Taking over goes through a short-lived
 * `<name>.lock.takeover` guard, so two runs that find the same stale lock cannot both win.
 * A lock held from another host is never taken over: only that host can tell whether its
 * holder is alive.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { lstat, mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HeldLock, LockBackend, LockHolder, TryResult } from './lock.js';

export interface FileLockOptions {
  dir: string;
  /** is this pid alive on this host; injectable for tests */
  isAlive?: (pid: number) => boolean;
  hostname?: string;
  /** told when a stale lock is taken over */
  onStale?: (previous: LockHolder | undefined, path: string) => void;
  /** an empty or unparsable lock file younger than this is still being written */
  unreadableGraceMs?: number;
  /** a takeover guard older than this was left by a crashed process */
  guardStaleMs?: number;
  now?: () => number;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** a lock path that is a symlink is never read through (ELOOP): someone put it there */
const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

const isErr = (e: unknown, code: string) => (e as NodeJS.ErrnoException | undefined)?.code === code;

export class FileLockBackend implements LockBackend {
  readonly kind = 'file';
  private readonly isAlive: (pid: number) => boolean;
  private readonly host: string;
  private readonly now: () => number;

  constructor(private readonly opts: FileLockOptions) {
    this.isAlive = opts.isAlive ?? pidAlive;
    this.host = opts.hostname ?? hostname();
    this.now = opts.now ?? Date.now;
  }

  pathOf(name: string): string {
    return join(this.opts.dir, `${name}.lock`);
  }

  describe(name: string): string {
    return `lock file ${this.pathOf(name)}`;
  }

  holderGoneHint(name: string, h: LockHolder): string {
    return h.host === this.host
      ? `a lock whose pid has exited is taken over by the next run by itself`
      : `only ${h.host} can tell whether pid ${h.pid} still runs; if it does not, remove ${this.pathOf(name)}`;
  }

  async tryAcquire(name: string, holder: LockHolder): Promise<TryResult> {
    await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
    const path = this.pathOf(name);
    if (createExclusive(path, holder)) return { ok: true, lock: this.held(name, path, holder) };

    const current = await this.read(path);
    if (current.kind === 'gone') return this.tryAcquire(name, holder);
    if (current.kind === 'held' && !this.isStale(current.holder)) return { ok: false, holder: current.holder };
    if (current.kind === 'unreadable' && !current.old) return { ok: false, detail: 'the lock file is being written' };
    return this.takeOver(name, path, holder, current);
  }

  private isStale(h: LockHolder): boolean {
    return h.host === this.host && !this.isAlive(h.pid);
  }

  private async read(path: string): Promise<{ kind: 'gone' } | { kind: 'held'; holder: LockHolder; text: string } | { kind: 'unreadable'; old: boolean; text: string }> {
    let text: string;
    let mtimeMs: number;
    try {
      [text, mtimeMs] = await Promise.all([readFile(path, { encoding: 'utf8', flag: NO_FOLLOW }), lstat(path).then((s) => s.mtimeMs)]);
    } catch (e) {
      if (isErr(e, 'ENOENT')) return { kind: 'gone' };
      throw e;
    }
    try {
      const h = JSON.parse(text) as LockHolder;
      if (typeof h.pid === 'number' && typeof h.host === 'string') return { kind: 'held', holder: h, text };
    } catch {
      // fall through: written by a process that died between create and write, or still writing
    }
    return { kind: 'unreadable', old: this.now() - mtimeMs > (this.opts.unreadableGraceMs ?? 10_000), text };
  }

  private async takeOver(name: string, path: string, holder: LockHolder, stale: { kind: 'held'; holder: LockHolder; text: string } | { kind: 'unreadable'; text: string }): Promise<TryResult> {
    const guard = `${path}.takeover`;
    const busy: TryResult = { ok: false, holder: stale.kind === 'held' ? stale.holder : undefined, detail: 'another run is taking over a stale lock' };
    if (!createExclusive(guard, holder)) {
      const age = await stat(guard).then((s) => this.now() - s.mtimeMs, () => 0);
      if (age > (this.opts.guardStaleMs ?? 30_000)) await unlink(guard).catch(() => undefined);
      return busy;
    }
    try {
      // between reading and the guard, the stale lock may have been replaced by a live one
      const again = await readFile(path, { encoding: 'utf8', flag: NO_FOLLOW }).catch((e) => (isErr(e, 'ENOENT') ? undefined : Promise.reject(e)));
      if (again !== undefined && again !== stale.text) return busy;
      if (again !== undefined) await unlink(path);
      if (!createExclusive(path, holder)) return busy;
      this.opts.onStale?.(stale.kind === 'held' ? stale.holder : undefined, path);
      return { ok: true, lock: this.held(name, path, holder) };
    } finally {
      await unlink(guard).catch(() => undefined);
    }
  }

  private held(name: string, path: string, initial: LockHolder): HeldLock {
    let holder = initial;
    const mine = (): boolean => {
      try {
        const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
        return h.pid === holder.pid && h.host === holder.host && h.since === holder.since;
      } catch {
        return false;
      }
    };
    // a process that exits without releasing (process.exit on a third Ctrl-C) still cleans up
    const onExit = () => {
      if (mine()) unlinkSync(path);
    };
    process.once('exit', onExit);
    return {
      name,
      backend: 'file',
      get holder() {
        return holder;
      },
      update: async (patch) => {
        if (!mine()) return;
        holder = { ...holder, ...patch };
        // a random name created with O_EXCL: in a shared locks dir, a predictable name opened
        // with 'w' is a symlink another user plants to make a root scheduler overwrite a file
        const tmp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
        writeExclusive(tmp, holder, 'wx');
        // rename replaces the file in one step: the lock path never disappears meanwhile
        await rename(tmp, path);
      },
      release: async () => {
        process.off('exit', onExit);
        if (mine()) await unlink(path).catch((e) => (isErr(e, 'ENOENT') ? undefined : Promise.reject(e)));
      },
    };
  }
}

/** create `path` only if it does not exist, with the holder in it; false when it exists */
function createExclusive(path: string, holder: LockHolder): boolean {
  try {
    writeExclusive(path, holder, 'wx');
    return true;
  } catch (e) {
    if (isErr(e, 'EEXIST')) return false;
    throw e;
  }
}

function writeExclusive(path: string, holder: LockHolder, flags: 'wx'): void {
  const fd = openSync(path, flags, 0o644);
  try {
    writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw e;
  }
  closeSync(fd);
}
