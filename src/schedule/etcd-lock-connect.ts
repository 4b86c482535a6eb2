/**
 * The connection an etcd run lock is taken through: one member of the inventory's `etcd` group
 * (or of the play's hosts when there is no such group), reached over SSH like every other
 * etcd call (src/etcd/client.ts), so the cluster's client port need not be open to the
 * controller. Members are tried in order; one that is down does not stop the run from
 * locking through another.
 */
import { hostConnector, type ConnectOptions } from '../engine/connections.js';
import { connectEtcd, type EtcdConnection } from '../etcd/client.js';
import { etcdHostConfig } from '../etcd/host-config.js';
import { readTlsMaterial } from '../etcd/tls-files.js';
import { EventBus } from '../events/bus.js';
import type { Inventory } from '../inventory/types.js';
import type { Become } from '../transport/types.js';
import type { EtcdLockConnection } from './etcd-lock.js';

export function lockMembers(inventory: Inventory, targets: readonly string[]): string[] {
  const group = inventory.groups.get('etcd');
  const members = group ? inventory.select('etcd') : [];
  return members.length ? members : [...targets];
}

export function etcdLockConnector(inventory: Inventory, members: readonly string[], opts: ConnectOptions): () => Promise<EtcdLockConnection> {
  return async () => {
    if (members.length === 0) throw new Error('no etcd member to take the run lock through: the inventory has no `etcd` group and the run no hosts');
    const errors: string[] = [];
    for (const host of members) {
      // a bus of its own: the lock's connection is not one of the run's hosts
      const hosts = await hostConnector(inventory, opts)([host], new EventBus());
      const failure = hosts.failures.get(host);
      if (failure) {
        errors.push(`${host}: ${failure.message}`);
        await hosts.closeAll().catch(() => undefined);
        continue;
      }
      try {
        const transport = await hosts.get(host);
        const config = etcdHostConfig(host, inventory.varsFor(host));
        const b = hosts.becomeFor(host);
        const sudo: Become = { user: b.user ?? 'root', password: b.password };
        let tls;
        if (config.tls) {
          // certificates of kubeadm clusters are root-only: retry with sudo before giving up
          tls = await readTlsMaterial(transport, config.tls, b.become ? sudo : false).catch((e) =>
            b.become || b.loginUser === 'root' ? Promise.reject(e) : readTlsMaterial(transport, config.tls!, sudo),
          );
        }
        const conn: EtcdConnection = await connectEtcd({ transport, url: config.clientUrl, tls });
        // prove the member answers before trusting a lock to it
        await conn.client.get('runbook/locks/').string();
        return {
          client: conn.client,
          via: host,
          close: async () => {
            await conn.close().catch(() => undefined);
            await hosts.closeAll().catch(() => undefined);
          },
        };
      } catch (e) {
        errors.push(`${host}: ${(e as Error).message}`);
        await hosts.closeAll().catch(() => undefined);
      }
    }
    throw new Error(`cannot reach any etcd member to take the run lock through:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  };
}
