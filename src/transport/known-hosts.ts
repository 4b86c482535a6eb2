import { createHash, createHmac } from 'node:crypto';

/**
 * OpenSSH known_hosts files: parsing, host matching and key comparison. Pure functions, no I/O,
 * so the policy built on top (host-key-policy.ts) can be tested line by line.
 *
 *   const entries = parseKnownHosts(text, '/root/.ssh/known_hosts');
 *   checkHostKey(entries, knownHostsName('10.250.1.11', 22), serverKeyBlob).status  -> 'ok'
 */
export interface KnownHostEntry {
  file: string;
  /** 1-based line number, for messages and `ssh-keygen -R` advice */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** the host field as written: `a,b,[c]:2222` or `|1|salt|hash` */
  hosts: string;
  keyType: string;
  /** decoded wire-format public key */
  key: Buffer;
}

/** The name a host is recorded under: `addr` on port 22, `[addr]:port` otherwise (as OpenSSH). */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line too
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    const key = Buffer.from(b64, 'base64');
    // a line whose blob does not name its own type is corrupt; OpenSSH ignores it as well
    if (key.length === 0 || keyTypeOf(key) !== keyType) return;
    entries.push({ file, line: i + 1, marker, hosts, keyType, key });
  });
  return entries;
}

/** The key type named inside a wire-format public key (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const len = key.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > key.length) return undefined;
  return key.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the key's sha256. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** Does the host field of an entry name `name` (already in `[addr]:port` form when needed)? */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** `|1|base64(salt)|base64(hmac-sha1(salt, name))`, written by `HashKnownHosts yes`. */
function hashedMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return mac === hash;
}

/** OpenSSH wildcard match: `*` any run, `?` one character; names compare case-insensitively. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value.toLowerCase());
}

export type HostKeyCheck =
  | { status: 'ok'; entry: KnownHostEntry }
  /** the presented key is listed under @revoked */
  | { status: 'revoked'; entry: KnownHostEntry }
  /** the host has a key of this type on record, and it is a different key */
  | { status: 'changed'; entries: KnownHostEntry[] }
  /** the host is on record, but only with keys of other types */
  | { status: 'other-type'; entries: KnownHostEntry[] }
  | { status: 'unknown' };

/** Compare a server's key with every entry for `name` across all files. */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyCheck {
  const type = keyTypeOf(key);
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const forHost = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name));
  const match = forHost.find((e) => e.key.equals(key));
  if (match) return { status: 'ok', entry: match };
  const sameType = forHost.filter((e) => e.keyType === type);
  if (sameType.length > 0) return { status: 'changed', entries: sameType };
  if (forHost.length > 0) return { status: 'other-type', entries: forHost };
  return { status: 'unknown' };
}

/** Key types already on record for `name`, so the handshake can ask for one of those first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** A known_hosts line for a newly accepted key (plain, unhashed: readable and `ssh-keygen -R`-able). */
export function formatKnownHostsLine(name: string, key: Buffer): string {
  return `${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
}
