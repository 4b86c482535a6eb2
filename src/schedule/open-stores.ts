/**
 * The backup directories a command or a job names: one on the controller, or the same path on
 * every inventory host a pattern selects (each host's backups are pruned on their own, and the
 * newest of each stays).
 */
import type { ConnectOptions } from '../engine/connections.js';
import { ConnectError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import type { Inventory } from '../inventory/types.js';
import type { Become } from '../transport/types.js';
import { LocalBackupStore, RemoteBackupStore, type BackupStore } from './backup-store.js';

export interface StoreSpec {
  dir: string;
  /** inventory host pattern; omitted: `dir` is on the controller */
  host?: string;
  become?: boolean;
  inventory?: string[] | Inventory;
  connect?: Partial<ConnectOptions>;
}

export interface OpenStores {
  stores: BackupStore[];
  close(): Promise<void>;
}

export async function openBackupStores(spec: StoreSpec): Promise<OpenStores> {
  if (spec.host === undefined) return { stores: [new LocalBackupStore(spec.dir)], close: async () => undefined };
  if (!spec.inventory || (Array.isArray(spec.inventory) && spec.inventory.length === 0)) {
    throw new ConnectError(spec.host, 'a remote backup directory needs the inventory (-i) to reach the host');
  }
  // the SSH stack is loaded only for remote directories
  const [{ hostConnector }, { loadInventory }] = await Promise.all([import('../engine/connections.js'), import('../inventory/load.js')]);
  const inventory = Array.isArray(spec.inventory) ? await loadInventory(spec.inventory) : spec.inventory;
  const hosts = inventory.select(spec.host);
  const connected = await hostConnector(inventory, { forks: 10, ...spec.connect })(hosts, new EventBus());
  if (connected.failures.size) {
    await connected.closeAll().catch(() => undefined);
    const [host, err] = [...connected.failures][0]!;
    throw new ConnectError(host, `cannot reach it to list backups: ${err.message}`);
  }
  const stores = await Promise.all(
    hosts.map(async (h) => {
      const b = connected.becomeFor(h);
      const become: Become | false = spec.become ? { user: 'root', password: b.password } : false;
      return new RemoteBackupStore(await connected.get(h), spec.dir, become);
    }),
  );
  return { stores, close: () => connected.closeAll() };
}
