/**
 * The inventory while it is being built, with Ansible's rules for adding hosts, groups
 * and children (ported from ansible/inventory/data.py and group.py), so several sources
 * and both file formats end in the same shape Ansible would have.
 */
import { ConfigError, type SourceLocation } from '../errors.js';
import type { Vars } from './types.js';

export class GroupNode {
  hosts: string[] = [];
  children: string[] = [];
  parents: string[] = [];
  /** vars written in the inventory source itself */
  vars: Vars = {};
  priority = 1;
  constructor(
    readonly name: string,
    readonly loc?: SourceLocation,
  ) {}
}

export class HostNode {
  /** vars written in the inventory source itself (inline, or under the host in YAML) */
  vars: Vars = {};
  /** groups the host was put in directly */
  memberOf: string[] = [];
  constructor(
    readonly name: string,
    readonly loc?: SourceLocation,
  ) {}
}

export class InventoryModel {
  readonly groups = new Map<string, GroupNode>();
  readonly hosts = new Map<string, HostNode>();
  readonly warnings: string[] = [];

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string, loc?: SourceLocation): GroupNode {
    let group = this.groups.get(name);
    if (!group) {
      group = new GroupNode(name, loc);
      this.groups.set(name, group);
    }
    return group;
  }

  /** Add a host (once; the port only counts where the host first appears, as in Ansible). */
  addHost(name: string, group: string | undefined, port?: number, loc?: SourceLocation): HostNode {
    let host = this.hosts.get(name);
    if (!host) {
      host = new HostNode(name, loc);
      if (port !== undefined) host.vars.ansible_port = port;
      this.hosts.set(name, host);
    }
    if (group !== undefined) {
      const g = this.groups.get(group);
      if (!g) throw new ConfigError({ message: `group \`${group}\` is not defined`, loc });
      if (!g.hosts.includes(name)) {
        g.hosts.push(name);
        host.memberOf.push(group);
      }
    }
    return host;
  }

  /** Make `child` (a group) a child of `parent`; refuses loops with the path that closes them. */
  addChild(parent: string, child: string, loc?: SourceLocation): void {
    const p = this.groups.get(parent);
    const c = this.groups.get(child);
    if (!p || !c) throw new ConfigError({ message: `group \`${!p ? parent : child}\` is not defined`, loc });
    if (parent === child) {
      throw new ConfigError({ message: `group \`${parent}\` cannot be its own child`, loc });
    }
    if (p.children.includes(child)) return;
    if (this.ancestors(parent).has(child)) {
      throw new ConfigError({
        message: `adding group \`${child}\` as a child of \`${parent}\` makes a loop: \`${child}\` is already above \`${parent}\``,
        loc,
        hint: 'a group cannot contain, directly or through children, a group it belongs to',
      });
    }
    p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }

  setGroupVar(group: string, key: string, value: unknown): void {
    const g = this.groups.get(group)!;
    if (key === 'ansible_group_priority') {
      // Ansible keeps it as the group's priority, not as a variable
      const n = Number(value);
      if (Number.isInteger(n)) g.priority = n;
      return;
    }
    g.vars[key] = value;
  }

  setHostVar(host: string, key: string, value: unknown): void {
    this.hosts.get(host)!.vars[key] = value;
  }

  ancestors(group: string): Set<string> {
    const seen = new Set<string>();
    const queue = [...(this.groups.get(group)?.parents ?? [])];
    while (queue.length > 0) {
      const g = queue.shift()!;
      if (seen.has(g)) continue;
      seen.add(g);
      queue.push(...this.groups.get(g)!.parents);
    }
    return seen;
  }

  /**
   * Ansible's reconcile step after all sources are read: groups with no parent go under
   * `all`; hosts in no group go to `ungrouped`; hosts that found a real group leave it.
   */
  reconcile(): void {
    for (const group of this.groups.values()) {
      if (group.name !== 'all' && group.parents.length === 0) this.addChild('all', group.name);
    }
    const ungrouped = this.groups.get('ungrouped')!;
    for (const host of this.hosts.values()) {
      const groups = this.groupsOf(host.name);
      if (groups.has('ungrouped')) {
        if ([...groups].some((g) => g !== 'all' && g !== 'ungrouped')) {
          ungrouped.hosts = ungrouped.hosts.filter((h) => h !== host.name);
          host.memberOf = host.memberOf.filter((g) => g !== 'ungrouped');
        }
      } else if ([...groups].every((g) => g === 'all')) {
        ungrouped.hosts.push(host.name);
        host.memberOf.push('ungrouped');
      }
    }
    for (const name of this.hosts.keys()) {
      if (this.groups.has(name)) this.warnings.push(`found both a group and a host named \`${name}\``);
    }
  }

  /** every group a host is in, directly or through parents */
  groupsOf(host: string): Set<string> {
    const result = new Set<string>();
    for (const g of this.hosts.get(host)?.memberOf ?? []) {
      result.add(g);
      for (const a of this.ancestors(g)) result.add(a);
    }
    return result;
  }

  /**
   * Longest path from `all`: Ansible's group depth. Deeper groups' vars win, so a child
   * group overrides its parents whatever order the file lists them in.
   */
  depths(): Map<string, number> {
    const depth = new Map<string, number>();
    const visit = (name: string, d: number) => {
      if ((depth.get(name) ?? -1) >= d) return;
      depth.set(name, d);
      for (const child of this.groups.get(name)!.children) visit(child, d + 1);
    };
    for (const g of this.groups.values()) if (g.parents.length === 0) visit(g.name, 0);
    return depth;
  }
}
