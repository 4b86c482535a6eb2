import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { HostKeyError } from '../../../src/errors.js';
import { judgeHostKey, loadHostKeyPolicy } from '../../../src/transport/host-key-policy.js';
import { fingerprint, parseKnownHosts } from '../../../src/transport/known-hosts.js';
import type { ConnectionSpec } from '../../../src/transport/types.js';
import { testSpec } from '../../helpers/connection-spec.js';
import { newKey } from './keys.js';

const root = mkdtempSync(join(tmpdir(), 'rb-kh-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = (): string => mkdtempSync(join(root, `${dirs++}-`));

function spec(over: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return testSpec({ knownHostsFiles: ['/kh'], ...over });
}

test('a changed key is refused with both fingerprints, the old entry and the fix', (t) => {
  const old = newKey();
  const now = newKey();
  const entries = parseKnownHosts(`# x\n10.250.1.11 ${old.type} ${old.b64}\n`, '/home/op/.ssh/known_hosts');
  const err = judgeHostKey(spec({ acceptNewHostKeys: true }), entries, now.blob);
  t.true(err instanceof HostKeyError);
  const e = err as HostKeyError;
  t.is(e.exitCode, 4);
  t.is(e.expected, fingerprint(old.blob));
  t.is(e.actual, fingerprint(now.blob));
  t.true(e.message.startsWith('node1: HOST KEY CHANGED for 10.250.1.11'));
  t.true(e.message.includes(fingerprint(old.blob)));
  t.true(e.message.includes(fingerprint(now.blob)));
  t.true(e.message.includes('/home/op/.ssh/known_hosts:2'));
  t.true(e.hint!.includes('ssh-keygen -R 10.250.1.11 -f /home/op/.ssh/known_hosts'));
});

test('the removal advice quotes a bracketed non-22 name', (t) => {
  const old = newKey();
  const entries = parseKnownHosts(`[10.250.1.11]:2222 ${old.type} ${old.b64}\n`, '/kh');
  const e = judgeHostKey(spec({ port: 2222 }), entries, newKey().blob) as HostKeyError;
  t.true(e.hint!.includes(`ssh-keygen -R '[10.250.1.11]:2222' -f /kh`));
});

test('an unknown host is refused unless new keys are accepted', (t) => {
  const k = newKey();
  const e = judgeHostKey(spec(), [], k.blob) as HostKeyError;
  t.true(e instanceof HostKeyError);
  t.true(e.message.includes('is not known'));
  t.true(e.message.includes(fingerprint(k.blob)));
  t.true(e.hint!.includes('--accept-new-host-keys'));
  t.is(judgeHostKey(spec({ acceptNewHostKeys: true }), [], k.blob), 'add');
});

test('a revoked key is refused even with accept-new', (t) => {
  const k = newKey();
  const entries = parseKnownHosts(`@revoked * ${k.type} ${k.b64}\n10.250.1.11 ${k.type} ${k.b64}\n`, '/kh');
  const e = judgeHostKey(spec({ acceptNewHostKeys: true }), entries, k.blob) as HostKeyError;
  t.true(e.message.includes('revoked'));
});

test('a key of a type the host is not known by is refused, naming the known ones', (t) => {
  const ec = newKey('ecdsa');
  const entries = parseKnownHosts(`10.250.1.11 ${ec.type} ${ec.b64}\n`, '/kh');
  const e = judgeHostKey(spec({ acceptNewHostKeys: true }), entries, newKey().blob) as HostKeyError;
  t.true(e.message.includes('known only by ecdsa-sha2-nistp256'));
});

test('accept-new appends the entry to the first file, creating it 0600', async (t) => {
  const dir = newDir();
  const file = join(dir, 'sub', 'known_hosts');
  const k = newKey();
  const added: string[] = [];
  const policy = await loadHostKeyPolicy(spec({ knownHostsFiles: [file, join(dir, 'other')], acceptNewHostKeys: true, port: 2200 }), {
    hostKeyAdded: (host, f, fp) => added.push(`${host} ${f} ${fp}`),
  });
  t.true(policy.verify(k.blob));
  t.is(readFileSync(file, 'utf8'), `[10.250.1.11]:2200 ssh-ed25519 ${k.b64}\n`);
  t.is(statSync(file).mode & 0o777, 0o600);
  t.deepEqual(added, [`node1 ${file} ${fingerprint(k.blob)}`]);
  // a second look (rekey) does not add it twice
  t.true(policy.verify(k.blob));
  t.is(readFileSync(file, 'utf8').split('\n').length, 2);
});

test('appending keeps a last line without newline intact', async (t) => {
  const dir = newDir();
  const file = join(dir, 'known_hosts');
  const other = newKey();
  writeFileSync(file, `10.0.0.9 ${other.type} ${other.b64}`);
  const policy = await loadHostKeyPolicy(spec({ knownHostsFiles: [file], acceptNewHostKeys: true }));
  t.true(policy.verify(newKey().blob));
  t.is(parseKnownHosts(readFileSync(file, 'utf8'), file).length, 2);
});

test('known key types go first in the host key algorithm offer', async (t) => {
  const dir = newDir();
  const file = join(dir, 'known_hosts');
  const rsa = newKey('rsa');
  writeFileSync(file, `10.250.1.11 ${rsa.type} ${rsa.b64}\n`);
  const policy = await loadHostKeyPolicy(spec({ knownHostsFiles: [file] }));
  t.deepEqual(policy.preferredAlgorithms.slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  t.true(policy.preferredAlgorithms.includes('ssh-ed25519'));
  t.false(policy.verify(newKey('rsa').blob));
  t.true(policy.rejection instanceof HostKeyError);
});
