import test from 'ava';
import { iniValue } from '../../../src/inventory/python-literal.js';

// expected values checked against Python 3's ast.literal_eval, which Ansible's INI plugin uses
const cases: [string, unknown][] = [
  ['42', 42],
  ['-7', -7],
  ['+3', 3],
  ['0', 0],
  ['00', 0],
  ['1_000', 1000],
  ['0x1F', 31],
  ['0o17', 15],
  ['0b11', 3],
  ['1.5', 1.5],
  ['1.', 1],
  ['.5', 0.5],
  ['1e3', 1000],
  ['07e1', 70],
  ['True', true],
  ['False', false],
  ['None', null],
  ["'a'", 'a'],
  ['"a" "b"', 'ab'],
  ['"tab\\there"', 'tab\there'],
  ["r'a\\b'", 'a\\b'],
  ["u'x'", 'x'],
  ['"\\x41\\u00e9"', 'Aé'],
  ["[1, 'two', (3, 4)]", [1, 'two', [3, 4]]],
  ['[1,]', [1]],
  ['()', []],
  ['(1)', 1],
  ['(1,)', [1]],
  ["{'a': 1, 'b': [None]}", { a: 1, b: [null] }],
  ['{}', {}],
  ['{1, 2}', [1, 2]],
  ['1 # a comment', 1],
  // not Python literals: kept as written
  ['true', 'true'],
  ['yes', 'yes'],
  ['0755', '0755'],
  ['1+2', '1+2'],
  ['--1', '--1'],
  ['-True', '-True'],
  ['-(1)', -1],
  ['-(1,)', '-(1,)'],
  ['-"1"', '-"1"'],
  ['1j', '1j'],
  ['0_1', '0_1'],
  ['foo bar', 'foo bar'],
  ['[1,', '[1,'],
  ['/var/lib/etcd', '/var/lib/etcd'],
  ['https://192.0.2.1:2379', 'https://192.0.2.1:2379'],
  ['192.0.2.1', '192.0.2.1'],
  ['1.2.3', '1.2.3'],
  ["b'x' 'y'", "b'x' 'y'"],
  ['', ''],
];

for (const [text, expected] of cases) {
  test(`literal ${JSON.stringify(text)}`, (t) => {
    t.deepEqual(iniValue(text), expected);
  });
}
