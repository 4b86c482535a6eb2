/**
 * Ansible's INI inventory format, read line by line with the same rules as Ansible's ini
 * plugin:
 *
 *   node0 ansible_host=192.0.2.10       # before any section: the `ungrouped` group
 *   [etcd]
 *   etcd[1:3].example.com etcd_peer_port=2380
 *   [etcd:vars]
 *   etcd_data_dir=/var/lib/etcd
 *   [k8s_cluster:children]
 *   etcd
 *
 * Values (inline and in `[group:vars]`) are typed like Python literals (see python-literal.ts).
 * A section may name a group that is only declared further down; an undeclared one is an error.
 */
import { ConfigError, type ConfigProblem, type SourceLocation } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { expandHostPattern, HostRangeError } from './host-range.js';
import type { InventoryModel } from './model.js';
import { iniValue } from './python-literal.js';
import { shlexSplit, ShlexError } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;
const SECTION_KINDS = ['hosts', 'children', 'vars'] as const;
type SectionKind = (typeof SECTION_KINDS)[number];

interface Pending {
  kind: 'vars' | 'children';
  loc: SourceLocation;
  parents: string[];
}

export function parseIniInventory(text: string, file: string, model: InventoryModel): void {
  const lines = text.split(/\r\n|\r|\n/);
  let group = 'ungrouped';
  let kind: SectionKind = 'hosts';
  // groups named before they are declared, as Ansible allows; checked at the end
  const pending = new Map<string, Pending>();

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    const at = (offset = 0): SourceLocation => ({ file, line: lineNo, col: indent + offset + 1 });
    const fail = (message: string, offset = 0, hint?: string): never => {
      throw new ConfigError({ message, loc: at(offset), hint });
    };
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;

    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      const tag = section[2] ?? 'hosts';
      if (!(SECTION_KINDS as readonly string[]).includes(tag)) {
        fail(
          `section [${group}:${tag}] has an unknown type \`${tag}\``,
          group.length + 2,
          `a section is [group], [group:vars] or [group:children];${didYouMean(tag, SECTION_KINDS)}`.replace(/;$/, ''),
        );
      }
      kind = tag as SectionKind;
      if (!model.groups.has(group)) {
        // [g:vars] alone does not declare g; [g] or [g:children] must appear somewhere
        if (kind === 'vars' && !pending.has(group)) {
          pending.set(group, { kind: 'vars', loc: at(0), parents: [] });
        }
        model.addGroup(group, at(1));
      }
      const waiting = pending.get(group);
      if (waiting && kind !== 'vars') {
        if (waiting.kind === 'children') resolveChildren(model, group, pending);
        else pending.delete(group);
      }
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(
        `invalid section header \`${line}\``,
        0,
        'write [group], [group:vars] or [group:children] with no spaces inside the brackets',
      );
    }

    if (kind === 'hosts') {
      parseHostLine(line, group, model, at, fail);
    } else if (kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`expected key=value in [${group}:vars], got \`${line}\``, 0, 'e.g. etcd_data_dir=/var/lib/etcd');
      const key = line.slice(0, eq).trim();
      if (key === '') fail(`missing variable name before \`=\` in [${group}:vars]`);
      model.setGroupVar(group, key, iniValue(line.slice(eq + 1).trim()));
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m) fail(`expected a group name in [${group}:children], got \`${line}\``, 0, 'list one child group per line');
      const child = m![1]!;
      if (!model.groups.has(child)) {
        const waiting = pending.get(child);
        if (waiting) waiting.parents.push(group);
        else pending.set(child, { kind: 'children', loc: at(0), parents: [group] });
      } else {
        model.addChild(group, child, at(0));
      }
    }
  });

  const problems: ConfigProblem[] = [];
  for (const [name, p] of pending) {
    const known = [...model.groups.keys()].filter((g) => !pending.has(g));
    if (p.kind === 'vars') {
      problems.push({
        message: `section [${name}:vars] is for a group that is never declared`,
        loc: p.loc,
        hint: `declare it with [${name}] or [${name}:children], or fix the name;${didYouMean(name, known)}`.replace(/;$/, ''),
      });
    } else {
      problems.push({
        message: `[${p.parents[p.parents.length - 1]}:children] names group \`${name}\`, which is never declared`,
        loc: p.loc,
        hint: `add a [${name}] section, or fix the name;${didYouMean(name, known)}`.replace(/;$/, ''),
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

function resolveChildren(model: InventoryModel, group: string, pending: Map<string, Pending>): void {
  const waiting = pending.get(group)!;
  pending.delete(group);
  for (const parent of waiting.parents) {
    model.addChild(parent, group, waiting.loc);
    const up = pending.get(parent);
    if (up?.kind === 'children') resolveChildren(model, parent, pending);
  }
}

function parseHostLine(
  line: string,
  group: string,
  model: InventoryModel,
  at: (offset?: number) => SourceLocation,
  fail: (message: string, offset?: number, hint?: string) => never,
): void {
  let words;
  try {
    words = shlexSplit(line);
  } catch (e) {
    if (e instanceof ShlexError) fail(`cannot read host line: ${e.message}`, e.offset, 'close the quote, or escape it with a backslash');
    throw e;
  }
  if (words.length === 0) return;
  const [first, ...rest] = words;
  const pattern = first!.text;
  if (pattern === '---') fail('`---` is not a host; this looks like a YAML file', first!.offset, 'name YAML inventories *.yaml or *.yml');
  let expanded;
  try {
    expanded = expandHostPattern(pattern);
  } catch (e) {
    if (e instanceof HostRangeError) fail(e.message, first!.offset + e.offset, e.hint);
    throw e;
  }
  if (pattern.endsWith(':') && expanded!.port === undefined) {
    fail(`host \`${pattern}\` ends in \`:\` with no port`, first!.offset + pattern.length - 1, 'write host:port, e.g. node1:2222');
  }
  const vars: [string, unknown][] = [];
  for (const word of rest) {
    const eq = word.text.indexOf('=');
    if (eq < 0) {
      fail(`expected key=value after the host name, got \`${word.text}\``, word.offset, 'write variables as key=value; quote values that contain spaces');
    }
    vars.push([word.text.slice(0, eq), iniValue(word.text.slice(eq + 1))]);
  }
  for (const host of expanded!.hosts) {
    model.addHost(host, group, expanded!.port, at(first!.offset));
    for (const [k, v] of vars) model.setHostVar(host, k, v);
  }
}
