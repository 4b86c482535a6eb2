/**
 * Host names as Ansible writes them in inventories: an optional `:port`, and ranges that
 * stand for many hosts.
 *
 *   etcd[1:3].example.com  -> etcd1.example.com, etcd2.example.com, etcd3.example.com
 *   node[01:10:2]          -> node01, node03, node05, node07, node09   (leading zeros kept)
 *   rack-[a:c]             -> rack-a, rack-b, rack-c
 *   db[01:02]-[a:b]        -> db01-a, db01-b, db02-a, db02-b
 *   [2001:db8::1]:2222     -> 2001:db8::1 on port 2222
 *
 * Ported from Ansible's parse_address / expand_hostname_range so the same line gives the
 * same hosts, including Ansible's quirks (letters run a..z then A..Z).
 */

/** A malformed range; `offset` is where in the pattern the problem starts (0-based). */
export class HostRangeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;

const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const IPV6_PART = String.raw`(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const label = (word: string): string => String.raw`(?:${word}|${ALNUM_RANGE})(?:${word}|-|${ALNUM_RANGE})*(?<![_-])`;
const hostname = (word: string, flags: string): RegExp => new RegExp(String.raw`^${label(word)}(?:\.${label(word)})*$`, flags);

const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`, 'i');
const IPV6 = ((c: string) =>
  new RegExp(
    '^(?:' +
      [
        `(?:${c}:){7}${c}`,
        `(?:${c}:){1,6}:`,
        `(?:${c}:)(?::${c}){1,6}`,
        `(?:${c}:){2}(?::${c}){1,5}`,
        `(?:${c}:){3}(?::${c}){1,4}`,
        `(?:${c}:){4}(?::${c}){1,3}`,
        `(?:${c}:){5}(?::${c}){1,2}`,
        `(?:${c}:){6}(?::${c})`,
        `:(?::${c}){1,6}`,
        `${c}?::`,
        `(?:0:){6}(?:${c}\\.){3}${c}`,
        `::(?:ffff:)?(?:${c}\\.){3}${c}`,
        `(?:0:){5}ffff:(?:${c}\\.){3}${c}`,
      ].join('|') +
      ')$',
    'i',
  ))(IPV6_PART);
// Letters and digits of any script, as Ansible allows. V8 takes ~1.5 ms to compile the \p{…}
// pattern with the i and u flags, on every start of every command that reads an inventory;
// its ASCII twin answers the same for ASCII names, so the full one is built only when needed.
const HOSTNAME_ASCII = hostname('[a-z0-9_]', 'i');
let hostnameAnyScript: RegExp | undefined;
function isHostname(name: string): boolean {
  if (/^[\x00-\x7f]*$/.test(name)) return HOSTNAME_ASCII.test(name);
  hostnameAnyScript ??= hostname(String.raw`[\p{L}\p{N}_]`, 'iu');
  return hostnameAnyScript.test(name);
}
const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;

export function isIpAddress(name: string): boolean {
  return IPV4.test(name) || isIpv6(name);
}

/** V8 takes ~1.5 ms to compile the IPv6 pattern: not worth it for a name without a colon */
function isIpv6(name: string): boolean {
  return name.includes(':') && IPV6.test(name);
}

/**
 * Split `host:port` / `[v6]:port` (Ansible's parse_address with ranges allowed).
 * Returns undefined when the text is not a recognisable host; callers then use it as is.
 */
export function parseAddress(address: string): { host: string; port?: number } | undefined {
  let host = address;
  let port: number | undefined;
  const bracketed = BRACKETED_HOSTPORT.exec(address);
  const plain = bracketed ? undefined : HOSTPORT.exec(address);
  const m = bracketed ?? plain;
  if (m) {
    host = m[1]!;
    port = Number(m[2]);
  }
  if (isIpAddress(host) || isHostname(host)) return { host, port };
  return undefined;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Expand every `[begin:end(:step)]` in a host name, left to right, as Ansible does. */
export function expandHostRange(pattern: string, offset = 0): string[] {
  const open = pattern.indexOf('[');
  if (open < 0) return [pattern];
  const close = pattern.indexOf(']', open);
  if (close < 0) {
    throw new HostRangeError(`host range in \`${pattern}\` has no closing \`]\``, offset + open, 'write ranges as [begin:end] or [begin:end:step]');
  }
  const head = pattern.slice(0, open);
  const body = pattern.slice(open + 1, close);
  const tail = pattern.slice(close + 1);
  const at = offset + open;
  const bounds = body.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostRangeError(`host range \`[${body}]\` must be begin:end or begin:end:step`, at, 'e.g. node[01:10] or node[1:10:2]');
  }
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  const stepText = bounds[2] ?? '1';
  if (!end) throw new HostRangeError(`host range \`[${body}]\` has no end value`, at, 'e.g. node[1:3]');
  if (!/^[0-9]+$/.test(stepText) || Number(stepText) === 0) {
    throw new HostRangeError(`host range \`[${body}]\` has a bad step \`${stepText}\``, at, 'the step is a positive whole number');
  }
  const step = Number(stepText);

  let items: string[];
  const letterBeg = beg.length === 1 ? LETTERS.indexOf(beg) : -1;
  const letterEnd = end.length === 1 ? LETTERS.indexOf(end) : -1;
  if (letterBeg >= 0 && letterEnd >= 0) {
    if (letterBeg > letterEnd) {
      throw new HostRangeError(`host range \`[${body}]\` must have begin <= end`, at, 'letters run a..z then A..Z');
    }
    items = [];
    for (let i = letterBeg; i <= letterEnd; i += step) items.push(LETTERS[i]!);
  } else {
    if (!/^[0-9]+$/.test(beg) || !/^[0-9]+$/.test(end)) {
      throw new HostRangeError(
        `host range \`[${body}]\` must be numbers or single letters`,
        at,
        'e.g. node[01:10] or rack-[a:f]',
      );
    }
    // a leading zero asks for fixed-width numbers, so both ends must be written at that width
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width && width !== end.length) {
      throw new HostRangeError(
        `host range \`[${body}]\` must write begin and end with the same number of digits`,
        at,
        `e.g. [${beg}:${end.padStart(width, '0')}]`,
      );
    }
    const from = Number(beg);
    const to = Number(end);
    if (from > to) throw new HostRangeError(`host range \`[${body}]\` must have begin <= end`, at);
    items = [];
    for (let i = from; i <= to; i += step) items.push(width ? String(i).padStart(width, '0') : String(i));
  }

  const hosts: string[] = [];
  for (const item of items) {
    const name = head + item + tail;
    // later ranges are expanded on the already-substituted name, so track where the tail moved
    hosts.push(...expandHostRange(name, offset + (close + 1) - (head.length + item.length)));
  }
  return hosts;
}

/** An inventory host entry: its hosts (ranges expanded) and the port written after it, if any. */
export function expandHostPattern(pattern: string): { hosts: string[]; port?: number } {
  const parsed = parseAddress(pattern);
  const name = parsed?.host ?? pattern;
  return { hosts: expandHostRange(name), port: parsed?.port };
}
