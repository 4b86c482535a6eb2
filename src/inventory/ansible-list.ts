/**
 * The inventory in the shapes `ansible-inventory` prints, so tools written for Ansible's
 * output (and operators' eyes) read ours unchanged:
 *
 *   --list          {"_meta": {"hostvars": {...}}, "all": {"children": [...]}, "etcd": {"hosts": [...]}}
 *   --list --yaml   all: {children: {etcd: {hosts: {node1: {vars...}}}}}
 *   --host H        H's merged vars
 *   --graph         the @all: tree
 *
 * `visible` narrows hosts (for --limit); groups are kept, emptied of hidden hosts.
 */
import type { LoadedInventory } from './inventory.js';
import type { Vars } from './types.js';

type Visible = (host: string) => boolean;
const everyone: Visible = () => true;

/** `ansible-inventory --list`: groups reachable from `all`, host lists as written, merged hostvars. */
export function ansibleList(inv: LoadedInventory, visible: Visible = everyone): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const group = inv.groups.get(name)!;
    const entry: Record<string, unknown> = {};
    if (name !== 'all') entry.hosts = group.hosts.filter(visible);
    entry.children = [...group.children];
    result[name] = entry;
    for (const child of group.children) {
      if (!seen.has(child)) {
        seen.add(child);
        format(child);
      }
    }
    // Ansible drops empty lists, then the group itself if nothing is left
    for (const key of ['hosts', 'children']) if (Array.isArray(entry[key]) && (entry[key] as unknown[]).length === 0) delete entry[key];
    if (Object.keys(entry).length === 0) delete result[name];
  };
  format('all');
  const hostvars: Record<string, Vars> = {};
  for (const host of inv.hostsOf('all')) {
    if (!visible(host)) continue;
    const vars = inv.varsFor(host);
    if (Object.keys(vars).length > 0) hostvars[host] = vars;
  }
  return { _meta: { hostvars }, ...result };
}

/** `ansible-inventory --list --yaml`: the group tree, each host's vars shown where it first appears. */
export function ansibleYamlList(inv: LoadedInventory, visible: Visible = everyone): Record<string, unknown> {
  const shown = new Set<string>();
  const format = (name: string): Record<string, unknown> => {
    const group = inv.groups.get(name)!;
    const entry: Record<string, unknown> = {};
    const children: Record<string, unknown> = {};
    for (const child of group.children) if (child !== 'all') Object.assign(children, format(child));
    entry.children = children;
    const hosts: Record<string, unknown> = {};
    if (name !== 'all') {
      for (const host of group.hosts.filter(visible)) {
        hosts[host] = shown.has(host) ? {} : inv.varsFor(host);
        shown.add(host);
      }
    }
    entry.hosts = hosts;
    for (const key of ['children', 'hosts']) if (Object.keys(entry[key] as object).length === 0) delete entry[key];
    return { [name]: entry };
  };
  return format('all');
}

/** `ansible-inventory --graph [GROUP]` */
export function ansibleGraph(inv: LoadedInventory, start = 'all', visible: Visible = everyone): string {
  const lines: string[] = [];
  const name = (text: string, depth: number) => (depth ? '  |'.repeat(depth) + '--' + text : text);
  const walk = (group: string, depth: number): void => {
    lines.push(name(`@${group}:`, depth));
    const g = inv.groups.get(group)!;
    for (const child of g.children) walk(child, depth + 1);
    if (group !== 'all') for (const host of g.hosts.filter(visible)) lines.push(name(host, depth + 1));
  };
  walk(start, 0);
  return lines.join('\n');
}

/** Keys sorted at every level, as Ansible's json.dumps(sort_keys=True) and yaml.dump print them. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}
