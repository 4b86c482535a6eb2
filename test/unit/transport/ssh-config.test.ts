import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { expandTokens, hostPatternsMatch, localUser, lookupSshConfig, parseSshConfig } from '../../../src/transport/ssh-config.js';

const CONFIG = `
# global defaults before any Host apply to every host
ServerAliveInterval 20

Host bastion
  HostName 10.250.1.10
  User jump
  Port 2222
  ProxyJump none

Host db? !db9
  HostName 10.250.2.%h
  User=dbops
  IdentityFile ~/.ssh/db_%r
  IdentityFile "/keys/with space"
  UserKnownHostsFile ~/.ssh/kh_db /etc/ssh/kh_shared
  StrictHostKeyChecking accept-new
  ConnectTimeout 7

Match host db1
  User ignored_by_match

Host 10.250.*
  User later_loses
  IdentityFile ~/.ssh/id_lab
  ProxyJump ops@bastion:22,10.250.1.20
  ServerAliveCountMax 5
  ProxyCommand nc %h %p
  Include other.conf

Host *
  User default
  Port 22
`;

const cfg = parseSshConfig(CONFIG, '/home/op/.ssh/config');

test('first value wins; identity files accumulate across blocks', (t) => {
  const db1 = lookupSshConfig(cfg, 'db1');
  t.is(db1.hostName, '10.250.2.%h');
  t.is(db1.user, 'dbops');
  t.is(db1.port, 22);
  t.deepEqual(db1.identityFiles, ['~/.ssh/db_%r', '/keys/with space']);
  t.deepEqual(db1.userKnownHostsFiles, ['~/.ssh/kh_db', '/etc/ssh/kh_shared']);
  t.is(db1.strictHostKeyChecking, 'accept-new');
  t.is(db1.connectTimeoutSec, 7);
  t.is(db1.serverAliveIntervalSec, 20);
});

test('Host patterns: ?, * and negation', (t) => {
  t.is(lookupSshConfig(cfg, 'db9').user, 'default');
  t.is(lookupSshConfig(cfg, 'db10').user, 'default');
  t.true(hostPatternsMatch(['db?', '!db9'], 'db2'));
  t.false(hostPatternsMatch(['!db9'], 'db2'), 'only negations match nothing');
});

test('settings under Match are ignored, with a note', (t) => {
  t.is(lookupSshConfig(cfg, 'db1').user, 'dbops');
  t.true(cfg.notes.some((n) => n.includes('/home/op/.ssh/config:') && n.includes('Match')));
  t.true(cfg.notes.some((n) => n.includes('ProxyCommand')));
  t.false(cfg.notes.some((n) => n.includes('other.conf')), 'an Include of a file that is not there is skipped, as ssh does');
});

test('Include reads files in place: relative to ~/.ssh, globs sorted, under the Host it sits in', (t) => {
  const sshDir = mkdtempSync(join(tmpdir(), 'ssh-config-'));
  t.teardown(() => rmSync(sshDir, { recursive: true, force: true }));
  mkdirSync(join(sshDir, 'config.d'));
  writeFileSync(join(sshDir, 'config.d', '10-lab.conf'), 'Host lab*\n  User labops\n  Port 2201\n');
  writeFileSync(join(sshDir, 'config.d', '20-all.conf'), 'Host lab1 prod1\n  User second\n  IdentityFile ~/.ssh/from_20\n');
  writeFileSync(join(sshDir, 'config.d', 'README'), 'Host *\n  User not_a_conf_file\n');
  writeFileSync(join(sshDir, 'prod.conf'), 'User produser\nHost prod9\n  Port 2209\n');
  const text = `Include config.d/*.conf
Host prod*
  Include prod.conf
  IdentityFile ~/.ssh/after_include
Host *
  User fallback
  Port 22
`;
  const c = parseSshConfig(text, join(sshDir, 'config'), { sshDir });
  t.deepEqual(c.notes, []);
  // 10-lab.conf comes before 20-all.conf, and the first value wins
  t.like(lookupSshConfig(c, 'lab1'), { user: 'labops', port: 2201, identityFiles: ['~/.ssh/from_20'] });
  // lines of an included file before its first Host apply under the Host around the Include
  t.like(lookupSshConfig(c, 'prod1'), { user: 'second', port: 22 });
  t.like(lookupSshConfig(c, 'prod2'), { user: 'produser', port: 22, identityFiles: ['~/.ssh/after_include'] });
  // a Host inside an included file holds only where the Host around the Include holds too
  t.like(lookupSshConfig(c, 'prod9'), { port: 2209 });
  t.like(lookupSshConfig(c, 'web1'), { user: 'fallback', port: 22, identityFiles: [] });
});

test('Include: a loop stops at 16 levels with a note; a wildcard before the last part is not read', (t) => {
  const sshDir = mkdtempSync(join(tmpdir(), 'ssh-config-'));
  t.teardown(() => rmSync(sshDir, { recursive: true, force: true }));
  writeFileSync(join(sshDir, 'loop.conf'), 'Include loop.conf\n');
  const c = parseSshConfig('Include loop.conf\nInclude */x.conf\nUser me\n', join(sshDir, 'config'), { sshDir });
  t.true(c.notes.some((n) => /nested more than 16 deep/.test(n)), c.notes.join('\n'));
  t.true(c.notes.some((n) => /wildcards are supported in the last part of the path only/.test(n)), c.notes.join('\n'));
  t.is(lookupSshConfig(c, 'h').user, 'me');
});

test('ProxyJump none stops a broader block from setting one', (t) => {
  const b = lookupSshConfig(cfg, 'bastion');
  t.is(b.proxyJump, undefined);
  t.is(b.port, 2222);
  const lab = lookupSshConfig(cfg, '10.250.3.4');
  t.is(lab.proxyJump, 'ops@bastion:22,10.250.1.20');
  t.is(lab.serverAliveCountMax, 5);
  t.deepEqual(lab.identityFiles, ['~/.ssh/id_lab']);
});

test('tokens and ~ expand in paths', (t) => {
  const ctx = { hostName: '10.250.2.1', alias: 'db1', user: 'dbops', port: 2200 };
  t.is(expandTokens('~/.ssh/db_%r', ctx), `${homedir()}/.ssh/db_dbops`);
  t.is(expandTokens('/k/%h-%n-%p-%u-%%', ctx), `/k/10.250.2.1-db1-2200-${localUser()}-%`);
  t.is(expandTokens('~', ctx), homedir());
});

test('an empty or comment-only file configures nothing', (t) => {
  const empty = parseSshConfig('# nothing\n\n', 'x');
  t.deepEqual(lookupSshConfig(empty, 'h'), { identityFiles: [], userKnownHostsFiles: [] });
});
