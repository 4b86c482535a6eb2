/**
 * Host keys as OpenSSH checks them: host certificates made by the real `ssh-keygen -s`, trusted
 * through `@cert-authority` lines; `@revoked`; HostKeyAlias; the global known_hosts files.
 * (The same over a real sshd with a HostCertificate: test/e2e/security.test.ts "host certificates".)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { HostKeyError } from '../../../src/errors.js';
import { CERTIFICATE_ALGORITHMS, judgeHostKey, loadHostKeyPolicy } from '../../../src/transport/host-key-policy.js';
import { certificateProblem, parseCertificate } from '../../../src/transport/host-certificate.js';
import { checkHostKey, parseKnownHosts } from '../../../src/transport/known-hosts.js';
import { testSpec } from '../../helpers/connection-spec.js';

const root = mkdtempSync(join(tmpdir(), 'rb-cert-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** a key pair made by ssh-keygen: its public line's blob and its file */
function keygen(type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): { file: string; line: string; blob: Buffer } {
  const file = join(root, `k${n++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  return { file, line, blob: Buffer.from(line.split(/\s+/)[1]!, 'base64') };
}

/** `ssh-keygen -s CA -h`: a host certificate for `host`'s key */
function sign(ca: { file: string }, host: { file: string }, args: string[]): Buffer {
  execFileSync('ssh-keygen', ['-q', '-s', ca.file, '-I', 'test-host', ...args, `${host.file}.pub`]);
  return Buffer.from(readFileSync(`${host.file}-cert.pub`, 'utf8').trim().split(/\s+/)[1]!, 'base64');
}

const ca = keygen();
const caLine = (hosts: string, c = ca) => `@cert-authority ${hosts} ${c.line.split(/\s+/).slice(0, 2).join(' ')}\n`;

test('a host certificate signed by a CA trusted for the host is accepted, ed25519, ECDSA and RSA CAs alike', (t) => {
  for (const type of ['ed25519', 'ecdsa', 'rsa'] as const) {
    const c = keygen(type);
    const host = keygen();
    const cert = sign(c, host, ['-h', '-n', 'node1.example,10.0.0.5', '-V', '-5m:+1h']);
    const entries = parseKnownHosts(caLine('*.example,10.0.0.*', c), '/kh');
    t.is(checkHostKey(entries, 'node1.example', cert).status, 'ok', type);
    t.is(checkHostKey(entries, '10.0.0.5', cert).status, 'ok', type);
    t.deepEqual(parseCertificate(cert).key, host.blob, 'the certified key is the host key');
  }
});

test('a certificate is refused when it is for another host, expired, not yet valid, a user certificate, or tampered with', (t) => {
  const host = keygen();
  const entries = parseKnownHosts(caLine('*'), '/kh');
  const reason = (cert: Buffer, name = 'node1.example') => {
    const r = checkHostKey(entries, name, cert);
    return r.status === 'bad-certificate' ? r.reason : r.status;
  };
  t.regex(reason(sign(ca, host, ['-h', '-n', 'node2.example', '-V', '-5m:+1h'])), /it is for node2.example, not for node1.example/);
  t.regex(reason(sign(ca, host, ['-h', '-n', 'node1.example', '-V', '20000101:20000102'])), /it expired at 2000-01-0/);
  t.regex(reason(sign(ca, host, ['-h', '-n', 'node1.example', '-V', '+1d:+2d'])), /not valid before/);
  t.regex(reason(sign(ca, host, ['-n', 'node1.example', '-V', '-5m:+1h'])), /user certificate, not a host certificate/);
  t.regex(reason(sign(ca, host, ['-h', '-V', '-5m:+1h'])), /names no principals/);
  const good = sign(ca, host, ['-h', '-n', 'node1.example', '-V', '-5m:+1h']);
  const tampered = Buffer.from(good);
  const at = tampered.indexOf('node1.example');
  tampered.write('nodeX', at, 'latin1'); // same length: still parses
  t.regex(reason(tampered, 'nodeX.example'), /signature does not verify/);
  t.is(certificateProblem(parseCertificate(good), 'NODE1.example', new Date()), undefined, 'names compare case-insensitively');
});

test('@revoked covers the CA, the certified key and the certificate itself', (t) => {
  const host = keygen();
  const cert = sign(ca, host, ['-h', '-n', 'node1.example', '-V', '-5m:+1h']);
  for (const [what, blob, type] of [
    ['the CA', ca.blob, 'ssh-ed25519'],
    ['the host key', host.blob, 'ssh-ed25519'],
    ['the certificate', cert, 'ssh-ed25519-cert-v01@openssh.com'],
  ] as const) {
    const entries = parseKnownHosts(`${caLine('*')}@revoked * ${type} ${blob.toString('base64')}\n`, '/kh');
    t.is(checkHostKey(entries, 'node1.example', cert).status, 'revoked', what);
  }
});

test('a certificate from a CA not trusted for the host is judged by its plain key, as ssh does', (t) => {
  const host = keygen();
  const other = keygen();
  const cert = sign(other, host, ['-h', '-n', 'node1.example', '-V', '-5m:+1h']);
  const plain = `node1.example ${host.line.split(/\s+/).slice(0, 2).join(' ')}\n`;
  t.is(checkHostKey(parseKnownHosts(plain, '/kh'), 'node1.example', cert).status, 'ok');
  t.is(checkHostKey(parseKnownHosts('', '/kh'), 'node1.example', cert).status, 'unknown');
});

test('a host trusted through a CA that shows a plain key is refused, never pinned, even with accept-new', (t) => {
  const host = keygen();
  const spec = testSpec({ address: '10.0.0.5', knownHostsFiles: ['/kh'], acceptNewHostKeys: true });
  const err = judgeHostKey(spec, parseKnownHosts(caLine('10.0.0.*'), '/kh'), host.blob);
  t.true(err instanceof HostKeyError);
  t.regex((err as HostKeyError).message, /10\.0\.0\.5 is trusted through a certificate authority \(@cert-authority at \/kh:1\) but presented a plain ssh-ed25519 key .* not pinned, even with accept-new/);
  t.is(judgeHostKey(spec, [], host.blob), 'add', 'a host no CA covers is still accepted as new');
});

test('a host trusted through a CA is asked for its certificate first', async (t) => {
  const dir = mkdtempSync(join(root, 'kh-'));
  writeFileSync(join(dir, 'known_hosts'), caLine('10.0.0.*'));
  const policy = await loadHostKeyPolicy(testSpec({ address: '10.0.0.5', knownHostsFiles: [join(dir, 'known_hosts')] }));
  t.deepEqual(policy.preferredAlgorithms.slice(0, CERTIFICATE_ALGORITHMS.length), CERTIFICATE_ALGORITHMS);
  const plain = await loadHostKeyPolicy(testSpec({ address: '10.9.9.9', knownHostsFiles: [join(dir, 'known_hosts')] }));
  t.false(plain.preferredAlgorithms.some((a) => a.includes('-cert-')));
});

test('HostKeyAlias: the key is looked up under the alias, and a certificate must name the alias', (t) => {
  const host = keygen();
  const plain = host.line.split(/\s+/).slice(0, 2).join(' ');
  const spec = testSpec({ address: '10.0.0.5', port: 2222, hostKeyAlias: 'etcd-vip', knownHostsFiles: ['/kh'] });
  t.is(judgeHostKey(spec, parseKnownHosts(`etcd-vip ${plain}\n`, '/kh'), host.blob), undefined);
  t.true(judgeHostKey(spec, parseKnownHosts(`[10.0.0.5]:2222 ${plain}\n`, '/kh'), host.blob) instanceof HostKeyError, 'the address is not consulted');
  const cas = parseKnownHosts(caLine('etcd-vip'), '/kh');
  t.is(judgeHostKey(spec, cas, sign(ca, host, ['-h', '-n', 'etcd-vip', '-V', '-5m:+1h'])), undefined);
  t.regex(String(judgeHostKey(spec, cas, sign(ca, host, ['-h', '-n', '10.0.0.5', '-V', '-5m:+1h']))), /not for etcd-vip/);
});

test('global known_hosts files are read after the user\'s and never written', async (t) => {
  const dir = mkdtempSync(join(root, 'gkh-'));
  const host = keygen();
  const global = join(dir, 'ssh_known_hosts');
  const user = join(dir, 'known_hosts');
  writeFileSync(global, `10.0.0.5 ${host.line.split(/\s+/).slice(0, 2).join(' ')}\n`);
  const known = await loadHostKeyPolicy(testSpec({ address: '10.0.0.5', knownHostsFiles: [user], globalKnownHostsFiles: [global] }));
  t.true(known.verify(host.blob), 'a key in the global file is trusted');
  const other = keygen();
  const fresh = await loadHostKeyPolicy(testSpec({ address: '10.0.0.6', knownHostsFiles: [user], globalKnownHostsFiles: [global], acceptNewHostKeys: true }));
  t.true(fresh.verify(other.blob));
  t.regex(readFileSync(user, 'utf8'), /^10\.0\.0\.6 ssh-ed25519 /);
  t.is(readFileSync(global, 'utf8').split('\n').length, 2, 'the global file is untouched');
  const changed = await loadHostKeyPolicy(testSpec({ address: '10.0.0.5', knownHostsFiles: [user], globalKnownHostsFiles: [global], acceptNewHostKeys: true }));
  t.false(changed.verify(other.blob), 'a key the global file contradicts is refused');
  t.regex(changed.rejection!.message, new RegExp(`HOST KEY CHANGED.*${global}:1`));
});
