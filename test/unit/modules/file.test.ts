import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { file } from '../../../src/modules/file.js';
import { refuseRemoval } from '../../../src/modules/lib/protected-paths.js';
import { FakeTransport, type FakeReply } from '../../helpers/fake-transport.js';
import { ABSENT, statOutput } from './support/host-state.js';
import { localTransport, moduleContext, parseArgs, tempDir } from './support/context.js';

const stat_ = (p: string) => `if test -e ${p}; then stat -L -c '%F|%a|%U|%G|%u|%g|%s' -- ${p}; else echo absent; umask; fi`;
const DIR = { type: 'directory' as const, mode: '755' };

interface Case {
  name: string;
  args: Record<string, unknown>;
  state: string;
  more?: Array<[RegExp, FakeReply]>;
  check?: boolean;
  commands: string[];
  result: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'directory: creates missing parents, each with the mode',
    args: { path: '/var/lib/etcd', state: 'directory', mode: '0700' },
    state: ABSENT,
    commands: [
      stat_('/var/lib/etcd'),
      [
        'test -d /var || { mkdir -- /var && chmod 0700 -- /var; } || exit 1',
        'test -d /var/lib || { mkdir -- /var/lib && chmod 0700 -- /var/lib; } || exit 1',
        'test -d /var/lib/etcd || { mkdir -- /var/lib/etcd && chmod 0700 -- /var/lib/etcd; } || exit 1',
      ].join('\n'),
    ],
    result: { changed: true, msg: 'directory created' },
  },
  {
    name: 'directory: already there with the right attributes',
    args: { path: '/var/lib/etcd', state: 'directory', mode: '0755', owner: 'root' },
    state: statOutput(DIR, false),
    commands: [stat_('/var/lib/etcd')],
    result: { changed: false },
  },
  {
    name: 'directory: fixes mode and owner',
    args: { path: '/var/lib/etcd', state: 'directory', mode: '0700', owner: 'etcd', group: 'etcd' },
    state: statOutput(DIR, false),
    commands: [stat_('/var/lib/etcd'), 'chmod 0700 -- /var/lib/etcd && chown -- etcd:etcd /var/lib/etcd'],
    result: { changed: true, msg: 'mode 0755 -> 0700, owner root -> etcd, group root -> etcd' },
  },
  {
    name: 'directory: refuses a file in the way',
    args: { path: '/var/lib/etcd', state: 'directory' },
    state: statOutput({ content: 'x' }, false),
    commands: [stat_('/var/lib/etcd')],
    result: { changed: false, failed: true },
  },
  {
    name: 'directory recurse: lists the tree, changes only when something differs',
    args: { path: '/var/lib/etcd', state: 'directory', owner: 'etcd', recurse: true },
    state: statOutput(DIR, false),
    more: [
      [/^find/, { stdout: 'directory|700|etcd|etcd|998|998|4096\nregular file|600|root|root|0|0|10\n' }],
      [/^chown -R/, {}],
    ],
    commands: [
      stat_('/var/lib/etcd'),
      `find /var/lib/etcd ! -type l -exec stat -c '%F|%a|%U|%G|%u|%g|%s' {} +`,
      'chown -R -- etcd /var/lib/etcd',
    ],
    result: { changed: true, msg: 'attributes changed on 1 path(s)' },
  },
  {
    name: 'directory recurse: all as wanted',
    args: { path: '/var/lib/etcd', state: 'directory', mode: 'go-rwx', recurse: true },
    state: statOutput(DIR, false),
    more: [[/^find/, { stdout: 'directory|700|etcd|etcd|998|998|4096\nregular file|600|etcd|etcd|998|998|10\n' }]],
    commands: [stat_('/var/lib/etcd'), `find /var/lib/etcd ! -type l -exec stat -c '%F|%a|%U|%G|%u|%g|%s' {} +`],
    result: { changed: false },
  },
  {
    name: 'absent: removes recursively, quoted',
    args: { path: '/var/lib/etcd.pre-restore-1; rm -rf ~', state: 'absent' },
    state: statOutput(DIR, false),
    commands: [stat_(`'/var/lib/etcd.pre-restore-1; rm -rf ~'`), `rm -rf -- '/var/lib/etcd.pre-restore-1; rm -rf ~'`],
    result: { changed: true },
  },
  {
    name: 'absent: nothing there is no change',
    args: { path: '/tmp/x', state: 'absent' },
    state: ABSENT,
    commands: [stat_('/tmp/x')],
    result: { changed: false, msg: '/tmp/x is already absent' },
  },
  {
    name: 'absent in check mode only looks',
    args: { path: '/tmp/x', state: 'absent' },
    state: statOutput({ content: 'x' }, false),
    check: true,
    commands: [stat_('/tmp/x')],
    result: { changed: true, msg: '/tmp/x would be removed' },
  },
  {
    name: 'touch: creates and sets mode',
    args: { path: '/tmp/flag', state: 'touch', mode: '0600' },
    state: ABSENT,
    commands: [stat_('/tmp/flag'), 'touch -- /tmp/flag && chmod 0600 -- /tmp/flag'],
    result: { changed: true, msg: 'file created' },
  },
  {
    name: 'file: missing file is an error',
    args: { path: '/etc/nope', mode: '0600' },
    state: ABSENT,
    commands: [stat_('/etc/nope')],
    result: { changed: false, failed: true },
  },
  {
    name: 'file: symbolic mode computed before chmod',
    args: { path: '/usr/local/bin/etcdctl', mode: 'a+x' },
    state: statOutput({ content: 'x', mode: '755' }, false),
    commands: [stat_('/usr/local/bin/etcdctl')],
    result: { changed: false },
  },
  {
    name: 'file: group only uses chgrp',
    args: { path: '/etc/etcd/pki/ca.key', group: 'etcd' },
    state: statOutput({ content: 'x', mode: '600' }, false),
    commands: [stat_('/etc/etcd/pki/ca.key'), 'chgrp -- etcd /etc/etcd/pki/ca.key'],
    result: { changed: true },
  },
];

for (const c of cases) {
  test(`file: ${c.name}`, async (t) => {
    const fake = new FakeTransport().on(/^if test -e/, { stdout: c.state }).on(/^test -d|^touch|^chmod|^chown|^chgrp|^rm -rf/, {});
    for (const [re, reply] of c.more ?? []) fake.on(re, reply);
    const r = await file.run(moduleContext(fake, { check: c.check ?? false }), parseArgs(file.schema, c.args));
    t.deepEqual(fake.commands, c.commands);
    t.like(r, c.result);
  });
}

test('file: diff shows the state change', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput(DIR, false) });
  const r = await file.run(moduleContext(fake, { check: true, diff: true }), parseArgs(file.schema, { path: '/srv/d', state: 'directory', mode: 'g+w' }));
  t.deepEqual(r.diff, [
    { path: '/srv/d', before: 'state: directory\nmode: 0755\nowner: root\ngroup: root\n', after: 'state: directory\nmode: 0775\nowner: root\ngroup: root\n' },
  ]);
});

for (const p of ['/', '', '//', '/etc', '/etc/', '/var/lib', '/usr/../etc', '/var/lib/../..', 'relative/path', '/etc/kubernetes', '/home', '/data']) {
  test(`file: state=absent refuses ${JSON.stringify(p)}`, async (t) => {
    t.truthy(refuseRemoval(p));
    t.false(file.schema.safeParse({ path: p, state: 'absent' }).success);
    // even if a caller skipped the schema, run refuses without touching the host
    const fake = new FakeTransport();
    if (p.startsWith('/')) {
      const r = await file.run(moduleContext(fake), { path: p, state: 'absent' });
      t.like(r, { changed: false, failed: true });
      t.deepEqual(fake.commands, []);
    }
  });
}

test('file: state=absent allows ordinary deep paths', (t) => {
  for (const p of ['/var/lib/etcd', '/var/lib/etcd/member', '/etc/kubernetes/manifests/etcd.yaml', '/tmp/x']) t.is(refuseRemoval(p), undefined, p);
});

test('file: describe lines', (t) => {
  t.is(file.describe(parseArgs(file.schema, { path: '/var/lib/etcd', state: 'absent' })), 'rm -rf /var/lib/etcd');
  t.is(file.describe(parseArgs(file.schema, { path: '/d', state: 'directory', mode: '0700' })), 'mkdir -p /d (mode=0700)');
});

test('file (local host): directory, touch, recurse, absent', async (t) => {
  const dir = await tempDir(t);
  const ctx = moduleContext(localTransport());
  const deep = join(dir, 'a b', `c'd`);
  const made = await file.run(ctx, parseArgs(file.schema, { path: deep, state: 'directory', mode: '0750' }));
  t.true(made.changed);
  t.is((await stat(deep)).mode & 0o777, 0o750);
  t.is((await stat(join(dir, 'a b'))).mode & 0o777, 0o750, 'created parents get the mode too');
  t.is((await stat(dir)).mode & 0o777, 0o700, 'existing parents are left alone');
  t.false((await file.run(ctx, parseArgs(file.schema, { path: deep, state: 'directory', mode: '0750' }))).changed);

  const flag = join(deep, 'flag');
  t.true((await file.run(ctx, parseArgs(file.schema, { path: flag, state: 'touch', mode: '0600' }))).changed);
  t.is((await stat(flag)).mode & 0o777, 0o600);

  const rec = await file.run(ctx, parseArgs(file.schema, { path: join(dir, 'a b'), state: 'directory', mode: 'go-rwx', recurse: true }));
  t.like(rec, { changed: true });
  t.is((await stat(deep)).mode & 0o777, 0o700);
  t.false((await file.run(ctx, parseArgs(file.schema, { path: join(dir, 'a b'), state: 'directory', mode: 'go-rwx', recurse: true }))).changed);

  await mkdir(join(dir, 'gone'));
  await writeFile(join(dir, 'gone', 'x'), 'x');
  t.true((await file.run(ctx, parseArgs(file.schema, { path: join(dir, 'gone'), state: 'absent' }))).changed);
  t.deepEqual(await readdir(dir), ['a b']);
});
