import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HostKeyError } from '../errors.js';
import {
  checkHostKey,
  fingerprint,
  formatKnownHostsLine,
  hasCertAuthority,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  type KnownHostEntry,
  parseKnownHosts,
} from './known-hosts.js';
import { quote } from './shell-quote.js';
import type { ConnectHooks, ConnectionSpec } from './types.js';
import { checkTrustedFile } from '../util/trusted-files.js';

/**
 * The host key policy, as OpenSSH's `StrictHostKeyChecking accept-new` at its most permissive:
 * a known key passes, an unknown host is refused unless acceptNewHostKeys (then recorded),
 * and a changed or revoked key is always refused.
 *
 *   const policy = await loadHostKeyPolicy(spec, hooks);
 *   client.connect({ hostVerifier: policy.verify, algorithms: { serverHostKey: policy.preferredAlgorithms } });
 *   // after a failed handshake: policy.rejection is the HostKeyError to throw
 */
export interface HostKeyPolicy {
  /** ssh2 hostVerifier (with hostHash unset, so it receives the raw key) */
  verify(key: Buffer): boolean;
  /** host key algorithms, those the host is known by first, so the server presents a key we can check */
  preferredAlgorithms: string[];
  /** why the last key was refused */
  rejection?: HostKeyError;
}

// ssh2's defaults, in its order; an RSA key is presented under any of the three rsa names
const ALGORITHMS_BY_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ALGORITHMS = Object.values(ALGORITHMS_BY_KEY_TYPE).flat();
/** host certificate algorithms (ssh2 negotiates them through src/transport/ssh2-host-certificates.ts) */
export const CERTIFICATE_ALGORITHMS = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
];

/** What the host is looked up and recorded under: its HostKeyAlias, else `addr` / `[addr]:port` (as OpenSSH). */
export function hostKeyName(spec: ConnectionSpec): string {
  return spec.hostKeyAlias ?? knownHostsName(spec.address, spec.port);
}

/** every known_hosts file read for a host: the user's (written by accept-new), then the global ones */
function filesOf(spec: ConnectionSpec): string[] {
  return [...spec.knownHostsFiles, ...(spec.globalKnownHostsFiles ?? [])];
}

export async function loadHostKeyPolicy(spec: ConnectionSpec, hooks: ConnectHooks = {}): Promise<HostKeyPolicy> {
  const entries = await readKnownHostsFiles(filesOf(spec));
  const name = hostKeyName(spec);
  const known = knownKeyTypes(entries, name).flatMap((t) => ALGORITHMS_BY_KEY_TYPE[t] ?? []);
  // a host trusted through a CA is asked for its certificate first, as ssh does
  const certificates = hasCertAuthority(entries, name) ? CERTIFICATE_ALGORITHMS : [];
  const policy: HostKeyPolicy = {
    preferredAlgorithms: [...new Set([...certificates, ...known, ...DEFAULT_ALGORITHMS])],
    verify(key: Buffer): boolean {
      const rejection = judgeHostKey(spec, entries, key);
      if (rejection === 'add') {
        const file = spec.knownHostsFiles[0];
        if (!file) {
          policy.rejection = unknownHostError(spec, key);
          return false;
        }
        appendKnownHost(file, name, key);
        // later connections in this run (another host behind the same address) see it too
        entries.push(...parseKnownHosts(formatKnownHostsLine(name, key), file));
        hooks.hostKeyAdded?.(spec.name, file, fingerprint(key));
        return true;
      }
      policy.rejection = rejection;
      return rejection === undefined;
    },
  };
  return policy;
}

/** undefined: trusted; 'add': unknown and acceptable; otherwise the error that refuses it. */
export function judgeHostKey(
  spec: ConnectionSpec,
  entries: readonly KnownHostEntry[],
  key: Buffer,
): HostKeyError | 'add' | undefined {
  const name = hostKeyName(spec);
  // a certificate names the host without its port (the alias, when there is one), as in OpenSSH
  const check = checkHostKey(entries, name, key, { principal: spec.hostKeyAlias ?? spec.address });
  switch (check.status) {
    case 'ok':
      return undefined;
    case 'unknown':
      return spec.acceptNewHostKeys ? 'add' : unknownHostError(spec, key);
    case 'revoked':
      return new HostKeyError(
        spec.name,
        `the host key of ${name} (${keyTypeOf(key)} ${fingerprint(key)}) is revoked ` +
          `(@revoked at ${check.entry.file}:${check.entry.line}); refusing to connect`,
        undefined,
        fingerprint(key),
        'the host presents a key its operators have withdrawn: find out why before connecting',
      );
    case 'changed':
      return changedKeyError(spec, name, check.entries, key);
    case 'other-type':
      return otherTypeError(spec, name, check.entries, key);
    case 'bad-certificate': {
      const ca = check.entries[0];
      return new HostKeyError(
        spec.name,
        `${name} presented a host certificate (${fingerprint(key)})${ca ? ` signed by the CA of ${ca.file}:${ca.line}` : ''} that cannot be trusted: ${check.reason}; refusing to connect`,
        undefined,
        fingerprint(key),
        'have the host certificate re-signed for this host name (ssh-keygen -s CA_KEY -h -n NAME -V VALIDITY host_key.pub) and installed as the server\'s HostCertificate',
      );
    }
    case 'ca-only': {
      const where = check.entries.map((e) => `${e.file}:${e.line}`).join(', ');
      return new HostKeyError(
        spec.name,
        `${name} is trusted through a certificate authority (@cert-authority at ${where}) but presented a plain ${keyTypeOf(key)} key ` +
          `(${fingerprint(key)}) and no certificate; it is not pinned, even with accept-new; refusing to connect`,
        undefined,
        fingerprint(key),
        `configure the host's sshd with a HostCertificate signed by that CA, or if the host is not meant to have one, check the fingerprint with its owner and add its key to ${spec.knownHostsFiles[0] ?? '~/.ssh/known_hosts'}`,
      );
    }
  }
}

function unknownHostError(spec: ConnectionSpec, key: Buffer): HostKeyError {
  const name = hostKeyName(spec);
  const files = filesOf(spec).join(', ') || '(no known_hosts file configured)';
  const scan = spec.port === 22 ? `ssh-keyscan ${spec.address}` : `ssh-keyscan -p ${spec.port} ${spec.address}`;
  return new HostKeyError(
    spec.name,
    `host key of ${name} is not known (${keyTypeOf(key)} ${fingerprint(key)}; looked in ${files})`,
    undefined,
    fingerprint(key),
    `check the fingerprint with the host's owner, then add it (${scan} >> ${spec.knownHostsFiles[0] ?? '~/.ssh/known_hosts'}) ` +
      `or run once with --accept-new-host-keys`,
  );
}

function changedKeyError(spec: ConnectionSpec, name: string, old: KnownHostEntry[], key: Buffer): HostKeyError {
  const first = old[0]!;
  const expected = old.map((e) => `${fingerprint(e.key)} (${e.file}:${e.line})`).join(', ');
  const removal = [...new Set(old.map((e) => e.file))]
    .map((f) => `ssh-keygen -R ${quote(name)} -f ${quote(f)}`)
    .join(' && ');
  return new HostKeyError(
    spec.name,
    `HOST KEY CHANGED for ${name}: it presented ${keyTypeOf(key)} ${fingerprint(key)}, ` +
      `but ${first.file}:${first.line} expects ${expected}. ` +
      `Someone may be intercepting the connection, or the host was reinstalled; refusing to connect`,
    fingerprint(first.key),
    fingerprint(key),
    `if the new key is legitimate, remove the old entry (${removal}) and connect again`,
  );
}

function otherTypeError(spec: ConnectionSpec, name: string, old: KnownHostEntry[], key: Buffer): HostKeyError {
  const known = old.map((e) => `${e.keyType} ${fingerprint(e.key)} (${e.file}:${e.line})`).join(', ');
  const removal = [...new Set(old.map((e) => e.file))]
    .map((f) => `ssh-keygen -R ${quote(name)} -f ${quote(f)}`)
    .join(' && ');
  return new HostKeyError(
    spec.name,
    `host ${name} presented a ${keyTypeOf(key)} key (${fingerprint(key)}) but is known only by ${known}; ` +
      `the server no longer offers the recorded key type, refusing to connect`,
    fingerprint(old[0]!.key),
    fingerprint(key),
    `if the host's keys were replaced on purpose, remove the old entries (${removal}) and connect again`,
  );
}

async function readKnownHostsFiles(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    checkTrustedFile(file, 'known_hosts file');
    try {
      all.push(...parseKnownHosts(await readFile(file, 'utf8'), file));
    } catch (err) {
      // a missing file is an empty one (as for OpenSSH); anything else is worth an error
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return all;
}

/** Append synchronously: hosts connected in parallel each write a whole line, never interleaved. */
function appendKnownHost(file: string, name: string, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // a hand-edited file may lack its final newline; the entry must not join that line
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  appendFileSync(file, sep + formatKnownHostsLine(name, key), { mode: 0o600 });
}
