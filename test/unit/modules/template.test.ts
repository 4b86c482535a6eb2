import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { template } from '../../../src/modules/template.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { ABSENT, sha, statOutput } from './support/host-state.js';
import { moduleContext, parseArgs, tempDir } from './support/context.js';

async function playbookDir(t: Parameters<typeof tempDir>[0], text: string): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'templates'));
  await writeFile(join(dir, 'templates', 'etcd.conf.j2'), text);
  return dir;
}

test('template: renders with the host vars from templates/ and writes like copy', async (t) => {
  const dir = await playbookDir(t, 'name: {{ etcd_name }}\ncluster: {{ peers | join(",") }}\n');
  const fake = new FakeTransport().on(/^if test -e/, { stdout: ABSENT }).on(/^fail\(\)/, {});
  const vars = { playbook_dir: dir, etcd_name: 'etcd1', peers: ['a', 'b'] };
  const r = await template.run(moduleContext(fake, { vars }), parseArgs(template.schema, { src: 'etcd.conf.j2', dest: '/etc/etcd/etcd.conf', mode: '0644' }));
  const expected = 'name: etcd1\ncluster: a,b\n';
  t.is(fake.puts[0]!.content.toString(), expected);
  t.like(r, { changed: true, data: { checksum: sha(expected), src: join(dir, 'templates', 'etcd.conf.j2') } });
});

test('template: unchanged when the rendered text is already there', async (t) => {
  const dir = await playbookDir(t, 'x={{ x }}\n');
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput({ content: 'x=1\n' }) });
  const r = await template.run(moduleContext(fake, { vars: { playbook_dir: dir, x: 1 } }), parseArgs(template.schema, { src: 'etcd.conf.j2', dest: '/etc/x' }));
  t.false(r.changed);
  t.is(fake.puts.length, 0);
});

test('template: an undefined variable fails with the template file and line', async (t) => {
  const dir = await playbookDir(t, 'ok\n{{ missing_var }}\n');
  const fake = new FakeTransport();
  await t.throwsAsync(template.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(template.schema, { src: 'etcd.conf.j2', dest: '/etc/x' })), {
    message: /etcd\.conf\.j2.*missing_var.*line 2/,
  });
  t.deepEqual(fake.calls, [], 'nothing was sent to the host');
});

test('template: check mode with diff', async (t) => {
  const dir = await playbookDir(t, 'v={{ v }}\n');
  const fake = new FakeTransport({ files: { '/etc/x': 'v=1\n' } }).on(/^if test -e/, { stdout: statOutput({ content: 'v=1\n' }) });
  const r = await template.run(moduleContext(fake, { vars: { playbook_dir: dir, v: 2 }, check: true, diff: true }), parseArgs(template.schema, { src: 'etcd.conf.j2', dest: '/etc/x' }));
  t.like(r, { changed: true });
  t.deepEqual(r.diff, [{ path: '/etc/x', before: 'v=1\n', after: 'v=2\n' }]);
  t.is(fake.puts.length, 0);
});
