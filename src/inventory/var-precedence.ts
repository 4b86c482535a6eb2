/**
 * The order in which inventory vars are merged for one host, exactly as Ansible's
 * VariableManager does it with its default settings (lowest first, later wins, merged
 * key by key, never deep-merged):
 *
 *   1. the `all` group's vars from the inventory files
 *   2. every other group's vars from the inventory files, by (depth, priority, name)
 *   3. group_vars/all from each source's directory
 *   4. group_vars/<group> for every other group, by (depth, priority, name)
 *   5. the host's own vars from the inventory files
 *   6. host_vars/<host>
 *
 * So any group_vars/ file beats any group var written in the inventory file itself, even
 * `group_vars/all.yml` over `[etcd:vars]`. Depth is the longest path from `all`; a deeper
 * group is more specific and wins. Same depth: higher `ansible_group_priority` wins, then
 * the name later in alphabetical order.
 */
import type { Vars } from './types.js';

/** group_vars/ and host_vars/ of one inventory source directory, already read. */
export interface FileVars {
  dir: string;
  groups: Map<string, Vars>;
  hosts: Map<string, Vars>;
}

export interface GroupRank {
  name: string;
  depth: number;
  priority: number;
}

/** Ansible's sort_groups: by depth, then priority, then name (code point order, like Python). */
export function sortGroups<T extends GroupRank>(groups: T[]): T[] {
  return [...groups].sort(
    (a, b) => a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

export interface HostVarsInput {
  host: string;
  /** the host's groups other than `all`, sorted by sortGroups */
  groups: string[];
  allVars: Vars;
  groupVars: (group: string) => Vars;
  hostVars: Vars;
  files: FileVars[];
}

export function mergeHostVars(input: HostVarsInput): Vars {
  const { host, groups, files } = input;
  let vars: Vars = { ...input.allVars };
  for (const g of groups) vars = { ...vars, ...input.groupVars(g) };
  for (const f of files) vars = { ...vars, ...f.groups.get('all') };
  for (const f of files) for (const g of groups) vars = { ...vars, ...f.groups.get(g) };
  vars = { ...vars, ...input.hostVars };
  for (const f of files) vars = { ...vars, ...f.hosts.get(host) };
  return vars;
}
