/**
 * The finished, read-only inventory: hosts, groups, merged vars and pattern selection.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import type { InventoryModel } from './model.js';
import { LOCALHOST_NAMES, selectHosts, splitPattern, type PatternScope } from './pattern.js';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';
import { mergeHostVars, sortGroups, type FileVars } from './var-precedence.js';
import { checkTrustedFile } from '../util/trusted-files.js';

/** a group as loadInventory builds it: the optional fields are always there */
export type LoadedGroup = InventoryGroup & Required<Pick<InventoryGroup, 'parents' | 'depth' | 'priority'>>;

export class LoadedInventory implements Inventory, PatternScope {
  readonly hosts = new Map<string, InventoryHost>();
  readonly groups = new Map<string, LoadedGroup>();
  readonly warnings: string[];
  private readonly inlineGroupVars = new Map<string, Vars>();
  private readonly inlineHostVars = new Map<string, Vars>();
  private readonly varsCache = new Map<string, Vars>();
  private readonly hostsOfCache = new Map<string, string[]>();

  constructor(
    readonly sources: string[],
    model: InventoryModel,
    private readonly files: FileVars[],
  ) {
    this.warnings = [...model.warnings];
    const depths = model.depths();
    for (const g of model.groups.values()) {
      this.inlineGroupVars.set(g.name, g.vars);
      let vars = { ...g.vars };
      for (const f of files) vars = { ...vars, ...f.groups.get(g.name) };
      this.groups.set(g.name, {
        name: g.name,
        hosts: [...g.hosts],
        children: [...g.children],
        vars,
        parents: [...g.parents],
        depth: depths.get(g.name) ?? 0,
        priority: g.priority,
        loc: g.loc,
      });
    }
    const groupOrder = [...model.groups.keys()];
    for (const h of model.hosts.values()) {
      this.inlineHostVars.set(h.name, h.vars);
      let vars = { ...h.vars };
      for (const f of files) vars = { ...vars, ...f.hosts.get(h.name) };
      const member = model.groupsOf(h.name);
      member.add('all');
      this.hosts.set(h.name, { name: h.name, vars, groups: groupOrder.filter((g) => member.has(g)), loc: h.loc });
    }
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  hasHost(name: string): boolean {
    return this.hosts.has(name) || LOCALHOST_NAMES.includes(name);
  }

  /** true for `localhost` & co. when the inventory does not list them: Ansible's implicit local host */
  isImplicit(name: string): boolean {
    return !this.hosts.has(name) && LOCALHOST_NAMES.includes(name);
  }

  /**
   * A group's hosts and its descendants' hosts, in Ansible's order: the group's own hosts,
   * then its children's, then grandchildren's, level by level.
   */
  hostsOf(group: string): string[] {
    const cached = this.hostsOfCache.get(group);
    if (cached) return cached;
    const ordered: string[] = [group];
    const seenGroups = new Set([group]);
    let level = [group];
    while (level.length > 0) {
      const next: string[] = [];
      for (const g of level) {
        for (const child of this.groups.get(g)?.children ?? []) {
          if (seenGroups.has(child)) continue;
          seenGroups.add(child);
          ordered.push(child);
          next.push(child);
        }
      }
      level = next;
    }
    const hosts = new Set<string>();
    for (const g of ordered) for (const h of this.groups.get(g)?.hosts ?? []) hosts.add(h);
    const list = [...hosts];
    this.hostsOfCache.set(group, list);
    return list;
  }

  varsFor(host: string): Vars {
    const cached = this.varsCache.get(host);
    if (cached) return { ...cached };
    let vars: Vars;
    const known = this.hosts.get(host);
    if (known) {
      const groups = sortGroups(
        known.groups.filter((g) => g !== 'all').map((g) => this.groups.get(g)!),
      ).map((g) => g.name);
      vars = mergeHostVars({
        host,
        groups,
        allVars: this.inlineGroupVars.get('all') ?? {},
        groupVars: (g) => this.inlineGroupVars.get(g) ?? {},
        hostVars: this.inlineHostVars.get(host) ?? {},
        files: this.files,
      });
    } else if (LOCALHOST_NAMES.includes(host)) {
      // Ansible's implicit localhost: in no group, `all` vars copied onto the host, local connection
      const allVars = this.inlineGroupVars.get('all') ?? {};
      vars = mergeHostVars({
        host,
        groups: [],
        allVars,
        groupVars: () => ({}),
        hostVars: { ...allVars, ansible_connection: 'local' },
        files: this.files,
      });
    } else {
      throw new ConfigError({
        message: `host \`${host}\` is not in the inventory;${didYouMean(host, this.hosts.keys()) || ' check the name'}`,
      });
    }
    this.varsCache.set(host, vars);
    return { ...vars };
  }

  /**
   * Hosts matched by `pattern`, then kept only if `limit` (a `--limit` value; `@file` reads
   * one pattern per line) also matches them, as Ansible applies --limit.
   */
  select(pattern: string, limit?: string): string[] {
    const hosts = selectHosts(this, pattern);
    if (limit === undefined || limit.trim() === '') return hosts;
    const allowed = new Set(selectHosts(this, limitPattern(limit)));
    return hosts.filter((h) => allowed.has(h));
  }

  groupsMap(): Record<string, string[]> {
    const map: Record<string, string[]> = {};
    for (const g of this.groups.keys()) map[g] = this.hostsOf(g);
    return map;
  }
}

/** `--limit @retry.txt` -> the file's lines as one pattern */
function limitPattern(limit: string): string {
  const parts: string[] = [];
  for (const part of splitPattern(limit)) {
    if (!part.startsWith('@')) {
      parts.push(part);
      continue;
    }
    const file = part.slice(1);
    checkTrustedFile(file, 'limit file');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError({ message: `cannot read limit file \`${file}\`: ${(e as Error).message}` });
    }
    parts.push(...text.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
  }
  return parts.join(',');
}
