import type { SourceLocation } from '../errors.js';

export type Vars = Record<string, unknown>;

export interface InventoryGroup {
  name: string;
  /** hosts listed directly in this group */
  hosts: string[];
  children: string[];
  vars: Vars;
}

export interface InventoryHost {
  name: string;
  /** host vars from the inventory file and host_vars/ */
  vars: Vars;
  /** every group the host belongs to, directly or through children, `all` included */
  groups: string[];
  loc?: SourceLocation;
}

/**
 * A loaded inventory (one or more `-i` sources merged, as Ansible does).
 *
 *   const inv = await loadInventory(['inventory/prod.ini']);
 *   inv.select('etcd:!node3')        -> ['node1', 'node2']
 *   inv.varsFor('node1').etcd_name   -> 'etcd1'
 */
export interface Inventory {
  sources: string[];
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** host vars merged by Ansible precedence: all < parent groups < child groups < host */
  varsFor(host: string): Vars;
  /** hosts matched by a pattern (`all`, `etcd`, `a,b`, `etcd:!h3`, `etcd:&prod`, `~re`, `etcd[0]`); unknown names throw ConfigError */
  select(pattern: string): string[];
  /** `groups` as templates see it: {all: [...], etcd: [...], ungrouped: [...]} */
  groupsMap(): Record<string, string[]>;
}
