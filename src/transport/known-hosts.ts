import { createHash, createHmac } from 'node:crypto';
import { CertificateError, certificateProblem, isCertificateType, parseCertificate } from './host-certificate.js';

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
  /** a certificate signed by a CA trusted for the host, that still may not stand for it */
  | { status: 'bad-certificate'; reason: string; entries: KnownHostEntry[] }
  /** the host is trusted through a CA only, and presented a plain key: never pinned, even under accept-new */
  | { status: 'ca-only'; entries: KnownHostEntry[] }
  | { status: 'unknown' };

export interface CheckOptions {
  /** the name a host certificate must list as a principal: the HostKeyAlias or the host name, without port */
  principal?: string;
  now?: Date;
}

/**
 * Compare a server's key with every entry for `name` across all files. A host certificate is
 * trusted through a matching `@cert-authority` line (host-certificate.ts has the checks); one no
 * CA line vouches for is judged by its plain key, as OpenSSH does. `@revoked` covers a plain key,
 * a certificate, the key it certifies and the CA that signed it.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, presented: Buffer, opts: CheckOptions = {}): HostKeyCheck {
  const revokedKey = (k: Buffer) => entries.find((e) => e.marker === 'revoked' && e.key.equals(k));
  const direct = revokedKey(presented);
  if (direct) return { status: 'revoked', entry: direct };
  let key = presented;
  if (isCertificateType(keyTypeOf(presented))) {
    let cert;
    try {
      cert = parseCertificate(presented);
    } catch (err) {
      if (!(err instanceof CertificateError)) throw err;
      return { status: 'bad-certificate', reason: `the certificate cannot be read: ${err.message}`, entries: [] };
    }
    const revoked = revokedKey(cert.key) ?? revokedKey(cert.signatureKey);
    if (revoked) return { status: 'revoked', entry: revoked };
    const cas = entries.filter((e) => e.marker === 'cert-authority' && hostFieldMatches(e.hosts, name));
    const ca = cas.find((e) => e.key.equals(cert.signatureKey));
    if (ca) {
      const problem = certificateProblem(cert, opts.principal ?? name, opts.now ?? new Date());
      return problem ? { status: 'bad-certificate', reason: problem, entries: [ca] } : { status: 'ok', entry: ca };
    }
    key = cert.key;
  }
  return checkPlainKey(entries, name, key);
}

function checkPlainKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyCheck {
  const type = keyTypeOf(key);
  const forHost = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name));
  const match = forHost.find((e) => e.key.equals(key));
  if (match) return { status: 'ok', entry: match };
  const sameType = forHost.filter((e) => e.keyType === type);
  if (sameType.length > 0) return { status: 'changed', entries: sameType };
  if (forHost.length > 0) return { status: 'other-type', entries: forHost };
  const cas = entries.filter((e) => e.marker === 'cert-authority' && hostFieldMatches(e.hosts, name));
  if (cas.length > 0) return { status: 'ca-only', entries: cas };
  return { status: 'unknown' };
}

/** Is the host trusted through a CA (a `@cert-authority` line matches it)? Then certificates are asked for first. */
export function hasCertAuthority(entries: readonly KnownHostEntry[], name: string): boolean {
  return entries.some((e) => e.marker === 'cert-authority' && hostFieldMatches(e.hosts, name));
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
