/**
 * Ansible's YAML inventory format (also JSON, which is YAML):
 *
 *   all:
 *     vars: { etcd_service: etcd }
 *     children:
 *       etcd:
 *         hosts:
 *           etcd[1:3].example.com:
 *           node4: { ansible_host: 192.0.2.14 }
 *
 * Top-level keys are groups; a group holds `hosts`, `children` and `vars`, each a mapping
 * (or null). Keys are read in the order written, as Ansible does, so the order of hosts
 * and children is the file's order.
 *
 * Stricter than Ansible on purpose: where Ansible warns and skips a group written as a list
 * or a near-typo key like `host:` in a group, runbook stops, because a silently empty group
 * is how a runbook ends up acting on the wrong hosts.
 */
import { isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { ConfigError, type SourceLocation } from '../errors.js';
import { closest } from '../util/suggest.js';
import { expandHostPattern, HostRangeError } from './host-range.js';
import type { InventoryModel } from './model.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { parseYamlFile, type YamlFile } from './yaml-file.js';

const SECTIONS = ['hosts', 'children', 'vars'];

export function parseYamlInventory(text: string, file: string, model: InventoryModel, vault?: VaultKeyring): void {
  // the caller decrypted a file encrypted whole, and reveals its variables (not its host names)
  const yaml = parseYamlFile(text, file, { vault, revealEncryptedFile: false });
  const root = yaml.doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    throw new ConfigError({ message: 'the inventory file is empty', loc: { file, line: 1, col: 1 }, hint: 'start it with `all:`' });
  }
  if (!isMap(root)) {
    throw new ConfigError({
      message: 'a YAML inventory must be a mapping of group names (e.g. `all:`)',
      loc: yaml.locOf(root),
      hint: 'see docs/inventory.md for the shape',
    });
  }
  const plugin = root.items.find((p) => keyText(p) === 'plugin');
  if (plugin) {
    throw new ConfigError({
      message: `this is an inventory plugin configuration (plugin: ${String(yaml.toJS(plugin.value))}), not an inventory`,
      loc: yaml.locOf(plugin.key),
      hint: 'runbook reads static inventories only; export one with `ansible-inventory -i SOURCE --list --yaml --export`',
    });
  }
  for (const pair of root.items) parseGroup(yaml, model, pair, true);
}

function keyText(pair: Pair): string | undefined {
  const key = pair.key;
  if (isScalar(key) && typeof key.value === 'string') return key.value;
  return undefined;
}

function groupName(yaml: YamlFile, pair: Pair): string {
  const key = pair.key;
  if (isScalar(key) && typeof key.value === 'string' && key.value !== '') return key.value;
  // as in Ansible: `1:` or `yes:` is a number or a boolean, not a group name
  throw new ConfigError({
    message: `group name \`${String(yaml.toJS(key))}\` must be a string`,
    loc: yaml.locOf(key),
    hint: 'quote it, e.g. "2024":',
  });
}

/** Entries of a section, accepting a single string (`hosts: node1`) as Ansible does. */
function sectionPairs(yaml: YamlFile, group: string, section: string, value: unknown): Pair[] | undefined {
  if (value === null || value === undefined || (isScalar(value) && value.value === null)) return undefined;
  if (isScalar(value) && typeof value.value === 'string') {
    return [{ key: value, value: null } as unknown as Pair];
  }
  if (isMap(value)) return (value as YAMLMap).items as Pair[];
  throw new ConfigError({
    message: `\`${section}\` of group \`${group}\` must be a mapping`,
    loc: yaml.locOf(value),
    hint:
      section === 'hosts'
        ? 'list hosts as keys: `hosts: { node1: , node2: }` or one per line ending in `:`'
        : section === 'children'
          ? 'list child groups as keys: `children: { etcd: , kube_node: }`'
          : 'write vars as `name: value` lines',
  });
}

function parseGroup(yaml: YamlFile, model: InventoryModel, pair: Pair, topLevel = false): string | undefined {
  const name = groupName(yaml, pair);
  const data = pair.value as Node | null;
  const isNull = data === null || (isScalar(data) && data.value === null);
  if (topLevel && isScalar(data) && !isNull) {
    // Ansible skips such a key with a warning (the file may hold something else too)
    model.warnings.push(`${locText(yaml.locOf(pair.key))}: skipping \`${name}\`: not a group (a group is a mapping with hosts, children or vars)`);
    return undefined;
  }
  if (!isNull && !isMap(data)) {
    // a list here (`etcd: [etcd1, etcd2]`) is the usual slip; Ansible would leave the group empty
    throw new ConfigError({
      message: `group \`${name}\` must be a mapping with hosts, children or vars`,
      loc: yaml.locOf(data ?? pair.key),
      hint: `write \`${name}:\` then an indented \`hosts:\` mapping, e.g. \`hosts: { node1: , node2: }\``,
    });
  }
  model.addGroup(name, yaml.locOf(pair.key));
  if (isNull) return name;

  for (const entry of (data as YAMLMap).items as Pair[]) {
    const key = keyText(entry);
    if (key === undefined || !SECTIONS.includes(key)) {
      const shown = key ?? String(yaml.toJS(entry.key));
      const near = closest(shown, SECTIONS);
      if (near) {
        throw new ConfigError({
          message: `group \`${name}\` has an unknown key \`${shown}\`; did you mean \`${near}\`?`,
          loc: yaml.locOf(entry.key),
          hint: 'a group holds only hosts, children and vars',
        });
      }
      model.warnings.push(
        `${locText(yaml.locOf(entry.key))}: skipping key \`${shown}\` in group \`${name}\`: a group holds only hosts, children and vars`,
      );
      continue;
    }
    const items = sectionPairs(yaml, name, key, entry.value);
    if (!items) continue;
    if (key === 'vars') {
      for (const v of items) model.setGroupVar(name, String(yaml.toJS(v.key)), yaml.toJS(v.value));
    } else if (key === 'children') {
      for (const child of items) {
        const childName = parseGroup(yaml, model, child)!;
        model.addChild(name, childName, yaml.locOf(child.key));
      }
    } else {
      for (const host of items) parseHost(yaml, model, name, host);
    }
  }
  return name;
}

function parseHost(yaml: YamlFile, model: InventoryModel, group: string, pair: Pair): void {
  const key = pair.key;
  const loc = yaml.locOf(key);
  if (!isScalar(key) || typeof key.value !== 'string') {
    throw new ConfigError({
      message: `host name \`${String(yaml.toJS(key))}\` must be a string`,
      loc,
      hint: 'enclose numbers in quotes, e.g. "10"',
    });
  }
  const value = pair.value as Node | null;
  const isNull = value === null || (isScalar(value) && value.value === null);
  if (!isNull && !isMap(value)) {
    throw new ConfigError({
      message: `host \`${key.value}\` in group \`${group}\` must have a mapping of vars (or nothing)`,
      loc: yaml.locOf(value),
      hint: `write \`${key.value}:\` alone, or with indented \`name: value\` vars`,
    });
  }
  let expanded;
  try {
    expanded = expandHostPattern(key.value);
  } catch (e) {
    if (e instanceof HostRangeError) {
      throw new ConfigError({ message: e.message, loc: { ...loc, col: loc.col + e.offset + quoteWidth(key) }, hint: e.hint });
    }
    throw e;
  }
  const vars = isNull ? {} : (yaml.toJS(value) as Record<string, unknown>);
  for (const host of expanded.hosts) {
    model.addHost(host, group, expanded.port, loc);
    for (const [k, v] of Object.entries(vars)) model.setHostVar(host, k, v);
  }
}

/** a quoted key starts one column before its text */
function quoteWidth(key: { type?: string }): number {
  return key.type === 'QUOTE_DOUBLE' || key.type === 'QUOTE_SINGLE' ? 1 : 0;
}

function locText(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}
