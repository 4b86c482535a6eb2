import { createHmac, randomBytes } from 'node:crypto';
import test from 'ava';
import {
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';
import { newKey } from './keys.js';

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

test('a host on a non-22 port is recorded as [addr]:port', (t) => {
  t.is(knownHostsName('10.0.0.1', 22), '10.0.0.1');
  t.is(knownHostsName('10.0.0.1', 2222), '[10.0.0.1]:2222');
});

test('parses plain, hashed, marked and commented lines with their line numbers', (t) => {
  const a = newKey();
  const b = newKey('ecdsa');
  const text = [
    '# comment',
    '',
    `node1,10.0.0.1 ${a.type} ${a.b64} root@node1`,
    `${hashed('10.0.0.2')} ${b.type} ${b.b64}`,
    `@revoked * ${b.type} ${b.b64}`,
    `@cert-authority *.example.com ${a.type} ${a.b64}`,
    `@bogus x ${a.type} ${a.b64}`,
    'garbage',
    `broken ssh-ed25519 ${b.b64}`, // blob says ecdsa: corrupt line
  ].join('\n');
  const entries = parseKnownHosts(text, '/kh');
  t.deepEqual(
    entries.map((e) => [e.line, e.marker, e.keyType]),
    [
      [3, undefined, 'ssh-ed25519'],
      [4, undefined, 'ecdsa-sha2-nistp256'],
      [5, 'revoked', 'ecdsa-sha2-nistp256'],
      [6, 'cert-authority', 'ssh-ed25519'],
    ],
  );
  t.is(entries[0]!.file, '/kh');
});

test('host fields: comma lists, wildcards, negation, hashes, ports', (t) => {
  t.true(hostFieldMatches('node1,10.0.0.1', '10.0.0.1'));
  t.true(hostFieldMatches('NODE1', 'node1'));
  t.false(hostFieldMatches('node1', 'node10'));
  t.true(hostFieldMatches('10.0.0.*', '10.0.0.7'));
  t.true(hostFieldMatches('node?', 'node7'));
  t.false(hostFieldMatches('10.0.0.*,!10.0.0.7', '10.0.0.7'));
  t.true(hostFieldMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222'));
  t.false(hostFieldMatches('10.0.0.1', '[10.0.0.1]:2222'));
  t.true(hostFieldMatches(hashed('[10.0.0.1]:2222'), '[10.0.0.1]:2222'));
  t.false(hostFieldMatches(hashed('10.0.0.1'), '10.0.0.2'));
});

test('fingerprints are in OpenSSH SHA256 form', (t) => {
  const k = newKey();
  t.regex(fingerprint(k.blob), /^SHA256:[A-Za-z0-9+/]{43}$/);
  t.is(keyTypeOf(k.blob), 'ssh-ed25519');
  t.is(keyTypeOf(Buffer.from('xx')), undefined);
});

test('checkHostKey: ok, changed, other type, unknown, revoked', (t) => {
  const ed = newKey();
  const ed2 = newKey();
  const ec = newKey('ecdsa');
  const rsa = newKey('rsa');
  const entries = parseKnownHosts(
    [`10.0.0.1 ${ed.type} ${ed.b64}`, `10.0.0.1 ${ec.type} ${ec.b64}`, `[10.0.0.1]:2222 ${ed2.type} ${ed2.b64}`, `@revoked * ${rsa.type} ${rsa.b64}`].join('\n'),
    '/kh',
  );
  t.is(checkHostKey(entries, '10.0.0.1', ed.blob).status, 'ok');
  t.is(checkHostKey(entries, '10.0.0.1', ec.blob).status, 'ok');
  const changed = checkHostKey(entries, '10.0.0.1', ed2.blob);
  t.is(changed.status, 'changed');
  t.is(changed.status === 'changed' && changed.entries[0]!.line, 1);
  t.is(checkHostKey(entries, '[10.0.0.1]:2222', ed2.blob).status, 'ok');
  t.is(checkHostKey(entries, '[10.0.0.1]:2222', ec.blob).status, 'other-type');
  t.is(checkHostKey(entries, '10.0.0.9', ed.blob).status, 'unknown');
  t.is(checkHostKey(entries, '10.0.0.1', rsa.blob).status, 'revoked');
  t.deepEqual(knownKeyTypes(entries, '10.0.0.1'), ['ssh-ed25519', 'ecdsa-sha2-nistp256']);
});

test('a key listed for the host under two names matches either', (t) => {
  const k = newKey();
  const entries = parseKnownHosts(`${hashed('node1')} ${k.type} ${k.b64}\n10.0.0.1 ${k.type} ${k.b64}\n`, '/kh');
  t.is(checkHostKey(entries, 'node1', k.blob).status, 'ok');
  t.is(checkHostKey(entries, '10.0.0.1', k.blob).status, 'ok');
});
