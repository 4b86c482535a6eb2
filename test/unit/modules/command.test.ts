import test from 'ava';
import { command } from '../../../src/modules/command.js';
import { FakeTransport, type FakeReply } from '../../helpers/fake-transport.js';
import { moduleContext, parseArgs } from './support/context.js';

interface Case {
  name: string;
  args: Record<string, unknown>;
  /** replies by command regexp; every other command fails the test */
  host?: Array<[RegExp, FakeReply]>;
  check?: boolean;
  commands: string[];
  result: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'runs the words of cmd, quoted',
    args: { cmd: 'echo hello world' },
    host: [[/^echo/, { stdout: 'hello world\n' }]],
    commands: ['echo hello world'],
    result: { changed: true, failed: false, rc: 0, stdout: 'hello world', stderr: '' },
  },
  {
    name: 'a hostile word stays one argument',
    args: { cmd: `echo '; rm -rf /' "it's" "a\\"b"` },
    host: [[/^echo/, {}]],
    commands: [`echo '; rm -rf /' 'it'"'"'s' 'a"b'`],
    result: { changed: true, rc: 0 },
  },
  {
    name: 'argv is passed word for word: spaces, quotes, newlines, globs, $VARS',
    args: { argv: ['printf', '%s\n', 'a b', "it's", 'x\ny', '*', '$HOME', '`id`'] },
    host: [[/^printf/, {}]],
    commands: [`printf '%s\n' 'a b' 'it'"'"'s' 'x\ny' '*' '$HOME' '\`id\`'`],
    result: { changed: true },
  },
  {
    name: 'chdir is quoted and must succeed first',
    args: { cmd: 'ls -l', chdir: '/tmp/a dir; rm -rf /' },
    host: [[/^cd /, {}]],
    commands: [`cd '/tmp/a dir; rm -rf /' && ls -l`],
    result: { changed: true },
  },
  {
    name: 'non-zero exit is a failure with rc, stdout and stderr',
    args: { cmd: 'false' },
    host: [[/^false$/, { exitCode: 2, stdout: 'out\n', stderr: 'boom\n' }]],
    commands: ['false'],
    result: { changed: true, failed: true, rc: 2, stdout: 'out', stderr: 'boom', msg: 'non-zero return code 2' },
  },
  {
    name: 'a timed-out command says so',
    args: { cmd: 'sleep 100' },
    host: [[/^sleep/, { exitCode: 124, timedOut: true }]],
    commands: ['sleep 100'],
    result: { failed: true, rc: 124, msg: 'command timed out after 0s' },
  },
  {
    name: 'creates: an existing path skips the command',
    args: { cmd: 'kubeadm init', creates: '/etc/kubernetes/admin.conf' },
    host: [[/^if test -e/, { stdout: 'creates\n' }]],
    commands: ['if test -e /etc/kubernetes/admin.conf; then echo creates; fi'],
    result: { changed: false, msg: 'skipped, since /etc/kubernetes/admin.conf exists' },
  },
  {
    name: 'removes: a missing path skips the command',
    args: { cmd: 'rm /tmp/lock', removes: "/tmp/it's lock" },
    host: [[/^if ! test -e/, { stdout: 'removes\n' }]],
    commands: [`if ! test -e '/tmp/it'"'"'s lock'; then echo removes; fi`],
    result: { changed: false, msg: "skipped, since /tmp/it's lock does not exist" },
  },
  {
    name: 'creates and removes both checked in one round trip, then the command runs',
    args: { cmd: 'make', creates: '/a', removes: '/b' },
    host: [
      [/^if test -e/, { stdout: '' }],
      [/^make$/, {}],
    ],
    commands: ['if test -e /a; then echo creates; fi; if ! test -e /b; then echo removes; fi', 'make'],
    result: { changed: true, rc: 0 },
  },
  {
    name: 'check mode runs nothing',
    args: { cmd: 'systemctl restart etcd' },
    check: true,
    commands: [],
    result: { changed: false, skipped: true, msg: 'skipped in check mode' },
  },
  {
    name: 'check mode with creates reports whether it would run',
    args: { cmd: 'kubeadm init', creates: '/etc/kubernetes/admin.conf' },
    host: [[/^if test -e/, { stdout: '' }]],
    check: true,
    commands: ['if test -e /etc/kubernetes/admin.conf; then echo creates; fi'],
    result: { changed: true, msg: 'command would have run if not in check mode' },
  },
];

for (const c of cases) {
  test(`command: ${c.name}`, async (t) => {
    const fake = new FakeTransport();
    for (const [re, reply] of c.host ?? []) fake.on(re, reply);
    const r = await command.run(moduleContext(fake, { check: c.check ?? false }), parseArgs(command.schema, c.args));
    t.deepEqual(fake.commands, c.commands);
    t.like(r, c.result);
  });
}

test('command: stdin gets a final newline unless told not to', async (t) => {
  const fake = new FakeTransport().on(/^cat$/, {});
  await command.run(moduleContext(fake), parseArgs(command.schema, { cmd: 'cat', stdin: 'secret' }));
  await command.run(moduleContext(fake), parseArgs(command.schema, { cmd: 'cat', stdin: 'secret', stdin_add_newline: false }));
  t.deepEqual(
    fake.execs.map((e) => e.stdin),
    ['secret\n', 'secret'],
  );
});

test('command: become, timeout and signal reach the transport', async (t) => {
  const fake = new FakeTransport().on(/^id$/, {});
  const become = { user: 'etcd' };
  await command.run(moduleContext(fake, { become, timeoutMs: 5000 }), parseArgs(command.schema, { cmd: 'id' }));
  t.deepEqual(fake.execs[0]!.become, become);
  t.is(fake.execs[0]!.timeoutMs, 5000);
});

test('command: describe shows the exact line', (t) => {
  t.is(command.describe(parseArgs(command.schema, { argv: ['etcdctl', 'put', 'k', 'a b'], chdir: '/var/lib' })), `cd /var/lib && etcdctl put k 'a b'`);
});

test('command: schema refuses both or neither of cmd/argv, and unbalanced quotes', (t) => {
  t.false(command.schema.safeParse({ cmd: 'ls', argv: ['ls'] }).success);
  t.false(command.schema.safeParse({}).success);
  t.false(command.schema.safeParse({ cmd: `echo "unterminated` }).success);
  t.false(command.schema.safeParse({ cmd: 'ls', bogus: 1 }).success);
});
