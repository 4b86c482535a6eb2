import type { SourceLocation } from '../errors.js';

export type Vars = Record<string, unknown>;

export interface InventoryGroup {
  name: string;
  /** hosts listed directly in this group, in the order the inventory lists them */
  hosts: string[];
  children: string[];
  /** group vars as Ansible's `--export` shows them: the inventory's own, then group_vars/ files over them */
  vars: Vars;
  // optional so that hand-built inventories (tests, fakes) need not fill them in;
  // loadInventory always does
  /** groups this one is a child of (`all` included for top-level groups) */
  parents?: string[];
  /** longest path from `all`; deeper groups win when vars are merged */
  depth?: number;
  /** `ansible_group_priority` (default 1); at equal depth the higher priority wins */
  priority?: number;
  /** where the group was first declared */
  loc?: SourceLocation;
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
  /** host vars merged by Ansible precedence: all < parent groups < child groups < host (docs/inventory.md) */
  varsFor(host: string): Vars;
  /**
   * hosts matched by a pattern (`all`, `etcd`, `a,b`, `etcd:!h3`, `etcd:&prod`, `~re`, `etcd[0]`),
   * narrowed by `limit` (a `--limit` pattern) when given; unknown names throw ConfigError
   */
  select(pattern: string, limit?: string): string[];
  /** `groups` as templates see it: {all: [...], etcd: [...], ungrouped: [...]} */
  groupsMap(): Record<string, string[]>;
  /** true for a host the inventory knows, or `localhost` (the implicit local host); set by loadInventory */
  hasHost?(name: string): boolean;
  /** things Ansible would only warn about (a group and a host with the same name, ...); set by loadInventory */
  warnings?: string[];
}
