import { ConnectError } from '../errors.js';
import { connectTransport } from './connect.js';
import type { ConnectHooks, ConnectionSpec, Transport } from './types.js';

export type SpecSource = Map<string, ConnectionSpec> | ((host: string) => ConnectionSpec);

/**
 * One connection per host for the whole run. The engine connects every targeted host up front
 * (and stops with exit 4 if one fails); hosts needed later (delegate_to) connect on first use.
 * Jump hosts are shared too: ten targets behind one bastion make one connection to it.
 *
 * A connection that broke (sshd restarted, a network blip) is made again on the next get():
 * the command that was running on it has failed, but the rollback that follows, and any later
 * step, gets a fresh connection, with the host key checked again, instead of a dead one.
 *
 *   const pool = new ConnectionPool(specs, hooks);
 *   const results = await pool.connectAll(['node1', 'node2'], { concurrency: 20 });
 *   const t = await pool.get('node1');   // the same connection
 *   await pool.closeAll();
 */
export class ConnectionPool {
  private readonly connections = new Map<string, Promise<Transport>>();
  private readonly jumps = new Map<string, Promise<Transport>>();
  /** what each connection attempt gave, once it gave one */
  private readonly made = new WeakMap<Promise<Transport>, Transport>();
  private readonly hooks: ConnectHooks;
  private closing = false;

  constructor(
    private readonly specs: SpecSource,
    hooks: ConnectHooks = {},
  ) {
    this.hooks = askOnce(hooks);
  }

  /** Connect to all `hosts`, at most `concurrency` handshakes at a time; never rejects. */
  async connectAll(hosts: readonly string[], opts: { concurrency?: number } = {}): Promise<Map<string, Transport | ConnectError>> {
    const results = new Map<string, Transport | ConnectError>();
    const queue = [...new Set(hosts)];
    const worker = async (): Promise<void> => {
      for (let host = queue.shift(); host !== undefined; host = queue.shift()) {
        try {
          results.set(host, await this.get(host));
        } catch (err) {
          results.set(host, err instanceof ConnectError ? err : new ConnectError(host, (err as Error).message, undefined, { cause: err }));
        }
      }
    };
    const workers = Math.max(1, Math.min(opts.concurrency ?? 20, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
    // keep the caller's order, not completion order
    return new Map(hosts.filter((h) => results.has(h)).map((h) => [h, results.get(h)!]));
  }

  /** The host's connection, made on first use. A failed attempt or a lost connection is forgotten, so a later call connects again. */
  get(host: string): Promise<Transport> {
    if (this.closing) return Promise.reject(new ConnectError(host, 'connections are closed', 'a command was started after the run ended'));
    return this.cached(this.connections, host, async () => connectTransport(this.specFor(host), this.hooks, { openJump: (s) => this.jump(s) }));
  }

  private cached(map: Map<string, Promise<Transport>>, key: string, open: () => Promise<Transport>): Promise<Transport> {
    const known = map.get(key);
    if (known && !this.made.get(known)?.lost) return known;
    const conn = open();
    map.set(key, conn);
    conn.then(
      (t) => this.made.set(conn, t),
      () => {
        if (map.get(key) === conn) map.delete(key);
      },
    );
    return conn;
  }

  /** Close every connection, jump hosts last (targets run through them). */
  async closeAll(): Promise<void> {
    this.closing = true;
    const close = async (all: Iterable<Promise<Transport>>): Promise<void> => {
      await Promise.all([...all].map((p) => p.then((t) => t.close(), () => {})));
    };
    await close(this.connections.values());
    await close(this.jumps.values());
    this.connections.clear();
    this.jumps.clear();
  }

  private specFor(host: string): ConnectionSpec {
    const spec = typeof this.specs === 'function' ? this.specs(host) : this.specs.get(host);
    if (!spec) throw new ConnectError(host, 'no connection settings for this host', 'is it in the inventory?');
    return spec;
  }

  private jump(spec: ConnectionSpec): Promise<Transport> {
    return this.cached(this.jumps, jumpKey(spec), () => connectTransport(spec, this.hooks, { openJump: (s) => this.jump(s) }));
  }
}

/** Same user, address, port and onward chain: the same connection can serve. */
function jumpKey(spec: ConnectionSpec): string {
  const self = `${spec.user}@${spec.address}:${spec.port}`;
  return spec.proxyJump ? `${jumpKey(spec.proxyJump)} > ${self}` : self;
}

/**
 * Hosts connect in parallel, but the operator should type a key's passphrase once, not once per
 * host: the answer for each key file (and each password target) is shared.
 */
function askOnce(hooks: ConnectHooks): ConnectHooks {
  const out: ConnectHooks = { ...hooks };
  const passphrases = new Map<string, Promise<string | undefined>>();
  const passwords = new Map<string, Promise<string | undefined>>();
  if (hooks.passphrase) {
    const ask = hooks.passphrase.bind(hooks);
    out.passphrase = (file) => {
      let p = passphrases.get(file);
      if (!p) passphrases.set(file, (p = Promise.resolve(ask(file))));
      return p;
    };
  }
  if (hooks.password) {
    const ask = hooks.password.bind(hooks);
    out.password = (target) => {
      let p = passwords.get(target);
      if (!p) passwords.set(target, (p = Promise.resolve(ask(target))));
      return p;
    };
  }
  return out;
}
