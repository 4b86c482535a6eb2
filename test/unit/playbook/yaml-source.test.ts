import test from 'ava';
import { parseYaml } from '../../../src/playbook/yaml-source.js';

test('every key and value has its line and column', (t) => {
  const { source } = parseYaml('- hosts: etcd\n  tasks:\n    - name: x\n      shell: echo\n', 'p.yaml');
  t.deepEqual(source!.loc([0, 'tasks', 0, 'shell'], 'key'), { file: 'p.yaml', line: 4, col: 7 });
  t.deepEqual(source!.loc([0, 'tasks', 0, 'shell']), { file: 'p.yaml', line: 4, col: 14 });
  t.deepEqual(source!.loc([0, 'tasks', 0]), { file: 'p.yaml', line: 3, col: 7 });
});

test('a missing path falls back to the nearest key above it', (t) => {
  const { source } = parseYaml('a:\n  b: 1\n', 'p.yaml');
  t.deepEqual(source!.loc(['a', 'zzz']), { file: 'p.yaml', line: 1, col: 1 });
});

test('a key without a value is located at the key', (t) => {
  const { source } = parseYaml('a:\nb: 1\n', 'p.yaml');
  t.is(source!.loc(['a']).line, 1);
});

test('booleans as PyYAML reads them: yes/no/on/off, but not y/n', (t) => {
  const { source } = parseYaml('a: yes\nb: Off\nc: y\nn: 3\nd: "yes"\ne: 0644\n', 'p.yaml');
  t.deepEqual(source!.value, { a: true, b: false, c: 'y', n: 3, d: 'yes', e: 420 });
});

test('merge keys, located where they were written', (t) => {
  const { source } = parseYaml('base: &b\n  x: 1\nm:\n  <<: *b\n  y: 2\n', 'p.yaml');
  t.deepEqual(source!.value, { base: { x: 1 }, m: { x: 1, y: 2 } });
  t.is(source!.loc(['m', 'y']).line, 5);
  t.is(source!.loc(['m', 'x']).line, 2);
});

test('duplicate keys are errors at the second one', (t) => {
  const { problems } = parseYaml('a: 1\nb: 2\na: 3\n', 'p.yaml');
  t.is(problems.length, 1);
  t.like(problems[0], { message: 'duplicate key `a`', loc: { file: 'p.yaml', line: 3, col: 1 } });
});

test('syntax errors are one human line with a position', (t) => {
  const { source, problems } = parseYaml('a: [1, 2\nb: 3\n', 'p.yaml');
  t.is(source, undefined);
  t.is(problems.length, 1);
  t.regex(problems[0]!.message, /^YAML syntax error: /);
  t.false(problems[0]!.message.includes('\n'));
  t.truthy(problems[0]!.loc!.line);
});
