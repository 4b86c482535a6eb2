import type { EventBus } from '../events/bus.js';
import { connectionVars } from '../inventory/connection-vars.js';
import type { Inventory } from '../inventory/types.js';
import { resolveConnectionSpec } from '../transport/connection-spec.js';
import { loadSshConfig, type SshConfig } from '../transport/ssh-config.js';
import { ConnectionPool } from '../transport/pool.js';
import type { ConnectHooks, ConnectionSpec } from '../transport/types.js';
import type { ConnectedHosts } from './run.js';

export interface ConnectOptions {
  sshConfigFile?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
  /** `--user` on the command line */
  user?: string;
  /** `--private-key` on the command line (or ansible.cfg's private_key_file) */
  privateKey?: string;
  becomePassword?: string;
  forks: number;
  hooks?: ConnectHooks;
}

/**
 * Connect every host of the run at once (one persistent SSH connection each) and report each
 * as `host:connect`. Hosts reached later (delegate_to, distribute from a host) connect lazily
 * through the same pool.
 */
export function hostConnector(inventory: Inventory, opts: ConnectOptions) {
  // the implicit localhost has vars too (`all`'s, and a local connection)
  const varsOf = (host: string) => (inventory.hosts.has(host) || inventory.hasHost?.(host) ? inventory.varsFor(host) : {});
  // ~/.ssh/config is read once per run, and each host's spec resolved once: becomeFor runs for
  // every task on every host
  let sshConfig: SshConfig | undefined;
  const config = (): SshConfig => (sshConfig ??= loadSshConfig(opts.sshConfigFile));
  const specs = new Map<string, ConnectionSpec>();
  const specFor = (host: string): ConnectionSpec => {
    const known = specs.get(host);
    if (known) return known;
    const conn = connectionVars(varsOf(host));
    const spec = resolveConnectionSpec(host, conn, {
      sshConfig: config(),
      sshConfigFile: opts.sshConfigFile,
      defaultKnownHosts: opts.knownHosts ? [opts.knownHosts] : undefined,
      acceptNewHostKeys: opts.acceptNewHostKeys,
      connectTimeoutMs: opts.connectTimeoutMs,
      user: opts.user,
      privateKeyFile: opts.privateKey,
    });
    specs.set(host, spec);
    return spec;
  };

  return async (hosts: string[], bus: EventBus): Promise<ConnectedHosts> => {
    // what the ssh config says that runbook does not do (Match, ProxyCommand, ...) is said once
    for (const note of config().notes) bus.emit({ type: 'warning', message: `ssh config: ${note}` });
    const pool = new ConnectionPool(specFor, opts.hooks);
    const failures = new Map<string, Error>();
    const started = Date.now();
    // handshakes cost CPU on the controller: as many at once as tasks run at once, at least 20
    const results = await pool.connectAll(hosts, { concurrency: Math.max(20, opts.forks) });
    for (const [host, result] of results) {
      const durationMs = Date.now() - started;
      if (result instanceof Error) {
        failures.set(host, result);
        bus.emit({ type: 'host:connect', host, ok: false, durationMs, error: result.message });
      } else {
        bus.emit({ type: 'host:connect', host, ok: true, durationMs });
      }
    }
    return {
      failures,
      get: (host) => pool.get(host),
      becomeFor: (host) => {
        const conn = connectionVars(varsOf(host));
        const spec = specFor(host);
        return {
          become: conn.become,
          user: conn.becomeUser,
          password: conn.becomePassword ?? opts.becomePassword,
          loginUser: spec.user,
        };
      },
      closeAll: () => pool.closeAll(),
    };
  };
}
