/**
 * A run lock held in the target etcd cluster itself, for schedulers on several machines:
 * the key `runbook/locks/<name>` is created only if absent (a transaction on its create
 * revision, as etcd3's own Lock does) and is attached to a lease the holder keeps alive.
 * The key's value is the holder, so a refused run can say who has it. A holder that crashes
 * stops renewing; its lease expires after `ttlSeconds` and the key goes with it.
 *
 * Every replica computes the same tick times from the same cron expression, so the lock alone
 * would still let a replica whose clock runs a few seconds late take a second backup after the
 * first finished. claimTick closes that: under the lock, `runbook/ticks/<job>` records the last
 * tick run, and a tick at or before it is not run again.
 */
import type { Etcd3, Lease } from 'etcd3';
import type { HeldLock, LockBackend, LockHolder, TryResult } from './lock.js';

export interface EtcdLockConnection {
  client: Etcd3;
  /** inventory host whose SSH connection carries the traffic, for messages */
  via?: string;
  close(): Promise<void>;
}

export interface EtcdLockOptions {
  connect(): Promise<EtcdLockConnection>;
  /** lease TTL: how long a crashed holder keeps the lock; default 30 s */
  ttlSeconds?: number;
  prefix?: string;
  /** the lease could not be renewed: another run may take the lock while this one still runs */
  onLost?: (name: string, error: Error) => void;
  /**
   * is this holder gone for good (its pid exited on this very host)? Its lease would keep the
   * lock for up to ttlSeconds more; a stale holder's lease is revoked at once instead
   */
  isStale?: (holder: LockHolder) => boolean;
  /** told when a stale holder's lease was revoked */
  onStale?: (previous: LockHolder, where: string) => void;
}

export class EtcdLockBackend implements LockBackend {
  readonly kind = 'etcd';
  private conn?: Promise<EtcdLockConnection>;
  private readonly prefix: string;

  constructor(private readonly opts: EtcdLockOptions) {
    this.prefix = opts.prefix ?? 'runbook/locks/';
  }

  keyOf(name: string): string {
    return `${this.prefix}${name}`;
  }

  describe(name: string): string {
    return `etcd key ${this.keyOf(name)}`;
  }

  holderGoneHint(): string {
    return `a holder that crashed loses the lock when its lease runs out (${this.opts.ttlSeconds ?? 30}s)`;
  }

  private connection(): Promise<EtcdLockConnection> {
    this.conn ??= this.opts.connect();
    this.conn.catch(() => (this.conn = undefined));
    return this.conn;
  }

  /** drop the connection; acquireLock calls it when it gives up */
  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    await c?.then((x) => x.close(), () => undefined);
  }

  async tryAcquire(name: string, holder: LockHolder): Promise<TryResult> {
    const { client } = await this.connection();
    const key = this.keyOf(name);
    const lease: Lease = client.lease(this.opts.ttlSeconds ?? 30, { autoKeepAlive: true });
    // the grant failing is reported by grant() itself; keep the emitter from throwing on it
    lease.on('lost', () => undefined);
    const leaseId = await lease.grant();
    const res = await client
      .if(key, 'Create', '==', 0)
      .then(client.put(key).value(JSON.stringify(holder)).lease(leaseId))
      .commit();
    if (!res.succeeded) {
      await lease.revoke().catch(() => undefined);
      const kv = (await client.get(key).exec()).kvs[0];
      if (!kv) return this.tryAcquire(name, holder);
      const text = kv.value.toString();
      const current = parseHolder(text);
      if (current && kv.lease !== '0' && this.opts.isStale?.(current)) {
        await client.leaseClient.leaseRevoke({ ID: kv.lease });
        this.opts.onStale?.(current, this.describe(name));
        return this.tryAcquire(name, holder);
      }
      return { ok: false, holder: current, detail: current ? undefined : `the key holds ${JSON.stringify(text.slice(0, 80))}` };
    }
    lease.removeAllListeners('lost');
    lease.on('lost', (err) => this.opts.onLost?.(name, err));
    return { ok: true, lock: this.held(name, key, leaseId, lease, holder) };
  }

  private held(name: string, key: string, leaseId: string, lease: Lease, initial: LockHolder): HeldLock {
    let holder = initial;
    const client = async () => (await this.connection()).client;
    return {
      name,
      backend: 'etcd',
      get holder() {
        return holder;
      },
      update: async (patch) => {
        holder = { ...holder, ...patch };
        const c = await client();
        // only while the key is still ours: a lapsed lease must not be overwritten back
        await c.if(key, 'Lease', '==', leaseId).then(c.put(key).value(JSON.stringify(holder)).lease(leaseId)).commit();
      },
      release: async () => {
        await lease.revoke().catch(() => undefined);
        await this.close();
      },
      claimTick: async (job, tick) => {
        const c = await client();
        const tickKey = `${this.prefix.replace(/locks\/$/, '')}ticks/${job}`;
        const value = tick.toISOString();
        const first = await c.if(tickKey, 'Version', '==', 0).then(c.put(tickKey).value(value)).commit();
        if (first.succeeded) return true;
        // ISO times of one format sort as text in time order
        const later = await c.if(tickKey, 'Value', '<', value).then(c.put(tickKey).value(value)).commit();
        return later.succeeded;
      },
    };
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}
