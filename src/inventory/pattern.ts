/**
 * Host patterns, as Ansible reads them (`hosts:` in a play, `--limit`):
 *
 *   all  *                 every host
 *   etcd                   a group (its children's hosts included) or a host
 *   node1,node2  node1:node2   union (`,` is preferred; `:` is the old form)
 *   etcd:!node3            minus;   etcd:&prod   intersection
 *   ~node[0-9]+            a regular expression (anchored at the start, as Python's re.match)
 *   node*  db?.example.com   shell globs over group and host names
 *   etcd[0]  etcd[-1]  etcd[0:1]  etcd[1:]   a slice of a group's hosts (inclusive)
 *
 * Unions are evaluated first, then `&`, then `!`, whatever order they are written in.
 * Unlike Ansible, a name that matches nothing is an error rather than a warning: a typo
 * in `hosts:` must not quietly make a play do nothing.
 */
import { ConfigError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { parseAddress } from './host-range.js';

/** What a pattern is evaluated against. */
export interface PatternScope {
  /** every host, inventory order */
  hostNames(): string[];
  /** every group, inventory order */
  groupNames(): string[];
  /** the hosts of a group and of its children, Ansible order */
  hostsOf(group: string): string[];
}

/** Names Ansible treats as the control machine when the inventory does not list them. */
export const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Split `a,b` / `a:b:!c` into single patterns (Ansible's split_host_pattern). */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

function splitSubscript(pattern: string): { expr: string; start?: number; end?: number; single?: boolean } {
  if (pattern.startsWith('~')) return { expr: pattern };
  const m = SUBSCRIPT.exec(pattern);
  if (!m) return { expr: pattern };
  if (m[2] !== undefined) return { expr: m[1]!, start: Number(m[2]), single: true };
  return { expr: m[1]!, start: Number(m[3]), end: m[5] ? Number(m[5]) : -1 };
}

/** Shell glob to an anchored regex, as Python's fnmatch.translate (`[!x]` negates a class). */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else if (ch === '[') {
      // a `]` right after `[` or `[!` is a literal member of the class
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      const close = glob.indexOf(']', j);
      if (close < 0) {
        src += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = '^' + body.slice(1);
      else if (body.startsWith('^')) body = '\\' + body;
      src += `[${body.replace(/\]/g, '\\]')}]`;
      i = close;
    } else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${src})$`, 's');
}

function matcher(pattern: string): RegExp {
  if (pattern.startsWith('~')) {
    try {
      return new RegExp(`^(?:${pattern.slice(1)})`);
    } catch (e) {
      throw new ConfigError({
        message: `host pattern \`${pattern}\` is not a valid regular expression: ${(e as Error).message}`,
        hint: 'a pattern starting with ~ is a regular expression',
      });
    }
  }
  return globToRegExp(pattern);
}

function enumerate(scope: PatternScope, pattern: string): { hosts: string[]; matchedGroup: boolean } {
  const re = matcher(pattern);
  const results: string[] = [];
  const groups = scope.groupNames().filter((g) => re.test(g));
  for (const g of groups) results.push(...scope.hostsOf(g));
  const special = pattern.startsWith('~') || /[.?*[]/.test(pattern);
  if (groups.length === 0 || special) results.push(...scope.hostNames().filter((h) => re.test(h)));
  if (results.length === 0 && LOCALHOST_NAMES.includes(pattern)) results.push(pattern);
  return { hosts: results, matchedGroup: groups.length > 0 };
}

function matchOne(scope: PatternScope, raw: string, whole: string): string[] {
  const pattern = raw.startsWith('!') || raw.startsWith('&') ? raw.slice(1) : raw;
  if (pattern === '') {
    throw new ConfigError({ message: `host pattern \`${whole}\` has an empty part`, hint: 'remove the stray `,`, `:`, `!` or `&`' });
  }
  const { expr, start, end, single } = splitSubscript(pattern);
  const { hosts, matchedGroup } = enumerate(scope, expr);
  if (hosts.length === 0 && !matchedGroup && expr !== 'all') {
    const names = [...scope.groupNames(), ...scope.hostNames()];
    throw new ConfigError({
      message: `pattern \`${expr}\` matches no host or group;${didYouMean(expr, names) || ' no name in the inventory is close'}`,
      hint: whole === expr ? undefined : `in host pattern \`${whole}\``,
    });
  }
  if (start === undefined || hosts.length === 0) return dedupe(hosts);
  const list = dedupe(hosts);
  const outOfRange = () =>
    new ConfigError({
      message: `pattern \`${pattern}\` selects past the end: \`${expr}\` has ${list.length} host${list.length === 1 ? '' : 's'}`,
      hint: `indexes run from 0 to ${list.length - 1} (or -1 for the last)`,
    });
  if (single) {
    const index = start < 0 ? list.length + start : start;
    if (index < 0 || index >= list.length) throw outOfRange();
    return [list[index]!];
  }
  // Python's slice would quietly give nothing here; an empty selection is always a mistake
  if (start >= list.length) throw outOfRange();
  // Ansible: [a:b] is inclusive; [a:] runs to the end
  const last = end === -1 || end === undefined ? list.length - 1 : end;
  return last === 0 ? [list[start]!] : list.slice(start, last + 1);
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/** Hosts a pattern selects, in inventory order (Ansible's InventoryManager.get_hosts). */
export function selectHosts(scope: PatternScope, pattern: string): string[] {
  const parts = splitPattern(pattern);
  const regular = parts.filter((p) => !p.startsWith('!') && !p.startsWith('&'));
  const ordered = [...(regular.length > 0 ? regular : ['all']), ...parts.filter((p) => p.startsWith('&')), ...parts.filter((p) => p.startsWith('!'))];
  const known = new Set(scope.hostNames());
  let hosts: string[] = [];
  for (const p of ordered) {
    if (known.has(p)) {
      if (!hosts.includes(p)) hosts.push(p);
      continue;
    }
    const that = matchOne(scope, p, pattern);
    if (p.startsWith('!')) {
      const drop = new Set(that);
      hosts = hosts.filter((h) => !drop.has(h));
    } else if (p.startsWith('&')) {
      const keep = new Set(that);
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      const have = new Set(hosts);
      hosts.push(...that.filter((h) => !have.has(h)));
    }
  }
  return hosts;
}
