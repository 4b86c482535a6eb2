import test from 'ava';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { parseExtraVars, parseKeyValues, splitArgs } from '../../../src/vars/extra-vars.js';
import { tempTree } from './_temp-inventory.js';

test('key=value pairs; values stay strings; quotes removed', async (t) => {
  t.deepEqual(await parseExtraVars(['etcd_version=3.5.12 count=3 dir="/var/backups/etcd snapshots" flag=true']), {
    etcd_version: '3.5.12',
    count: '3',
    dir: '/var/backups/etcd snapshots',
    flag: 'true',
  });
});

test('key=value: escapes, = in values, {{ }} kept whole', (t) => {
  t.deepEqual(parseKeyValues('msg="a\\nb" url=http://x/?a=b tmpl={{ a | default(1) }}'), {
    msg: 'a\nb',
    url: 'http://x/?a=b',
    tmpl: '{{ a | default(1) }}',
  });
  t.deepEqual(splitArgs("a='x y' b=2"), [
    { text: "a='x y'", offset: 0 },
    { text: 'b=2', offset: 8 },
  ]);
});

test('JSON and YAML objects are typed', async (t) => {
  t.deepEqual(await parseExtraVars(['{"members": ["etcd1"], "force": true, "n": 2}']), { members: ['etcd1'], force: true, n: 2 });
  t.deepEqual(await parseExtraVars(['{a: yes, b: 0755}']), { a: true, b: 493 });
});

test('@file reads YAML or JSON', async (t) => {
  const dir = await tempTree({ 'v.yaml': 'snapshot: /tmp/s.db\nmembers: [a, b]\n', 'v.json': '{"snapshot": "/tmp/other.db"}' });
  t.deepEqual(await parseExtraVars([`@${join(dir, 'v.yaml')}`]), { snapshot: '/tmp/s.db', members: ['a', 'b'] });
  t.deepEqual(await parseExtraVars(['@v.json'], { cwd: dir }), { snapshot: '/tmp/other.db' });
});

test('later -e wins, key by key', async (t) => {
  t.deepEqual(await parseExtraVars(['a=1 b=1', '{"b": 2, "c": {"x": 1}}', 'c=3']), { a: '1', b: 2, c: '3' });
});

test('empty values are skipped', async (t) => {
  t.deepEqual(await parseExtraVars(['', '{}']), {});
  t.deepEqual(await parseExtraVars(), {});
});

test('errors: a word without =', async (t) => {
  const err = await t.throwsAsync(parseExtraVars(['a=1', 'b=2 oops']), { instanceOf: ConfigError });
  t.deepEqual(err!.problems[0]!.loc, { file: '-e[2]', line: 1, col: 5 });
  t.regex(err!.message, /expected key=value, got `oops`/);
});

test('errors: an unclosed quote', async (t) => {
  await t.throwsAsync(parseExtraVars(['a="x']), { instanceOf: ConfigError, message: /no closing "/ });
});

test('errors: a path without @', async (t) => {
  await t.throwsAsync(parseExtraVars(['./vars.yaml']), { instanceOf: ConfigError, message: /look like a file name.*-e @\.\/vars\.yaml/s });
});

test('errors: a list is not a mapping', async (t) => {
  const err = await t.throwsAsync(parseExtraVars(['[1, 2]']), { instanceOf: ConfigError });
  t.regex(err!.message, /must be a mapping/);
});

test('errors: bad JSON points at line and column of the -e value', async (t) => {
  const err = await t.throwsAsync(parseExtraVars(['{"a": 1,, }']), { instanceOf: ConfigError });
  t.is(err!.problems[0]!.loc!.file, '-e[1]');
  t.is(err!.problems[0]!.loc!.line, 1);
});

test('errors: a YAML error in @file has file:line:col', async (t) => {
  const dir = await tempTree({ 'bad.yaml': 'a: 1\nb: [1,\nc: 2\n' });
  const err = await t.throwsAsync(parseExtraVars([`@${join(dir, 'bad.yaml')}`]), { instanceOf: ConfigError });
  t.like(err!.problems[0]!.loc, { file: join(dir, 'bad.yaml'), line: 3, col: 1 });
});

test('errors: a missing @file', async (t) => {
  await t.throwsAsync(parseExtraVars(['@/nonexistent/vars.yaml']), { instanceOf: ConfigError, message: /cannot read extra vars file .*ENOENT/ });
});

test('errors: a @file that is a list', async (t) => {
  const dir = await tempTree({ 'list.yaml': '- a\n' });
  const err = await t.throwsAsync(parseExtraVars([`@${join(dir, 'list.yaml')}`]), { instanceOf: ConfigError });
  t.like(err!.problems[0]!.loc, { line: 1, col: 1 });
});
