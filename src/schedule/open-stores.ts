/**
 * The backup directories a command or a job names: one on the controller, an s3://bucket/prefix
 * in object storage, or the same path on every inventory host a pattern selects (each host's backups are pruned on their own, and the
 * newest of each stays).
 */
import type { ConnectOptions } from '../engine/connections.js';
import { isS3Url, parseS3Prefix } from '../backup/s3-location.js';
import { ConfigError, ConnectError } from '../errors.js';
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
  if (isS3Url(spec.dir)) {
    if (spec.host !== undefined) throw new ConfigError({ message: `${spec.dir} is in object storage: --host does not apply` });
    // the SDK is loaded only for object storage; endpoint and credentials from the AWS chain
    const [{ s3Client }, { S3BackupStore }] = await Promise.all([import('../backup/s3-client.js'), import('../backup/s3-store.js')]);
    let location;
    try {
      location = parseS3Prefix(spec.dir);
    } catch (e) {
      throw new ConfigError({ message: (e as Error).message });
    }
    const client = await s3Client();
    return { stores: [new S3BackupStore(client, location)], close: async () => client.destroy() };
  }
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
