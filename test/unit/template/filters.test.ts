import test from 'ava';
import { filterNames, renderValue, TemplateError } from '../../../src/template/index.js';

/** the native value of one expression */
const v = (expr: string, vars: Record<string, unknown> = {}) => renderValue(`{{ ${expr} }}`, vars);

test('quote: POSIX shell quoting, lists item by item', (t) => {
  t.is(v('x | quote', { x: "it's; rm -rf /" }), `'it'"'"'s; rm -rf /'`);
  t.is(v('x | quote', { x: '/etc/etcd.conf' }), '/etc/etcd.conf');
  t.is(v('x | quote', { x: '' }), "''");
  t.is(v('x | quote', { x: null }), "''");
  t.is(v('x | quote', { x: ['a b', 'c'] }), "'a b' c");
});

test('default / d', (t) => {
  t.is(v('x | default(1)'), 1);
  t.is(v('x | d("a")'), 'a');
  t.is(v('x | default'), '');
  t.is(v('x | default(1)', { x: 0 }), 0);
  t.is(v('x | default(1, true)', { x: 0 }), 1);
});

test('join', (t) => {
  t.is(v('xs | join(",")', { xs: ['a', 1, true] }), 'a,1,true');
  t.is(v('xs | join', { xs: ['a', 'b'] }), 'ab');
  t.is(v('xs | join(", ", attribute="n")', { xs: [{ n: 'a' }, { n: 'b' }] }), 'a, b');
});

test('to_json / from_json / to_nice_json', (t) => {
  t.is(v('d | to_json', { d: { a: [1, 'x'] } }), '{"a":[1,"x"]}');
  t.is(v('d | to_json(indent=2)', { d: { a: 1 } }), '{\n  "a": 1\n}');
  t.is(v('d | to_nice_json', { d: { b: 1, a: 2 } }), '{\n    "a": 2,\n    "b": 1\n}');
  t.deepEqual(v('s | from_json', { s: '{"members": [{"name": "etcd1"}]}' }), { members: [{ name: 'etcd1' }] });
  t.throws(() => v('"{" | from_json'), { instanceOf: TemplateError, message: /from_json/ });
});

test('to_yaml / from_yaml (YAML 1.1 as Ansible)', (t) => {
  t.is(v('d | to_yaml', { d: { a: [1, 2] } }), 'a:\n  - 1\n  - 2\n');
  t.deepEqual(v('s | from_yaml', { s: 'a: yes\nb: [1, 2]\n' }), { a: true, b: [1, 2] });
  t.deepEqual(v('s | from_yaml_all', { s: 'a: 1\n---\nb: 2\n' }), [{ a: 1 }, { b: 2 }]);
});

test('regex_replace with Python syntax', (t) => {
  t.is(v('s | regex_replace("^v(\\\\d+)\\\\.(\\\\d+).*$", "\\\\1-\\\\2")', { s: 'v3.5.12' }), '3-5');
  t.is(v('s | regex_replace("(?P<major>\\\\d+)", "<\\\\g<major>>")', { s: 'v3' }), 'v<3>');
  t.is(v('s | regex_replace("A", "b", ignorecase=true)', { s: 'aAa' }), 'bbb');
  t.is(v('s | regex_replace("a", "$")', { s: 'a' }), '$');
  t.is(v('s | regex_replace("a", "b", count=1)', { s: 'aaa' }), 'baa');
  t.is(v('s | regex_replace("\\\\s+")', { s: 'a  b' }), 'ab');
});

test('regex_search and regex_findall', (t) => {
  t.is(v('s | regex_search("\\\\d+\\\\.\\\\d+")', { s: 'etcd Version: 3.5.12' }), '3.5');
  t.is(v('s | regex_search("xyz")', { s: 'abc' }), null);
  t.deepEqual(v('s | regex_search("(\\\\d+)\\\\.(\\\\d+)", "\\\\2", "\\\\1")', { s: 'v3.5' }), ['5', '3']);
  t.deepEqual(v('s | regex_search("(?P<maj>\\\\d+)", "\\\\g<maj>")', { s: 'v3.5' }), ['3']);
  t.deepEqual(v('s | regex_findall("\\\\d+")', { s: 'a1b22c333' }), ['1', '22', '333']);
  t.deepEqual(v('s | regex_findall("(\\\\w)=(\\\\d)")', { s: 'a=1 b=2' }), [['a', '1'], ['b', '2']]);
  t.is(v('s | regex_escape', { s: 'a.b*c' }), 'a\\.b\\*c');
});

test('int and float', (t) => {
  t.is(v('"42" | int'), 42);
  t.is(v('"3.7" | int'), 3);
  t.is(v('"x" | int'), 0);
  t.is(v('"x" | int(default=-1)'), -1);
  t.is(v('"0x1f" | int(base=16)'), 31);
  t.is(v('true | int'), 1);
  t.is(v('"2.5" | float'), 2.5);
  t.is(v('"x" | float'), 0);
});

test('bool: yes/no, on/off, true/false, 1/0; anything else is an error', (t) => {
  for (const s of ['yes', 'On', 'TRUE', '1', 'y']) t.is(v('s | bool', { s }), true, s);
  for (const s of ['no', 'off', 'False', '0', '']) t.is(v('s | bool', { s }), false, s);
  t.is(v('1 | bool'), true);
  t.is(v('x | bool', { x: false }), false);
  t.throws(() => v('"enabled" | bool'), { instanceOf: TemplateError, message: /not a boolean/ });
});

test('string, lower, upper, trim, capitalize, title, replace', (t) => {
  t.is(v('5 | string'), '5');
  t.is(v('d | string', { d: { a: 1 } }), '{"a":1}');
  t.is(v('"AbC" | lower'), 'abc');
  t.is(v('"abc" | upper'), 'ABC');
  t.is(v('"  a \\n" | trim'), 'a');
  t.is(v('"xxaxx" | trim("x")'), 'a');
  t.is(v('"hello world" | capitalize'), 'Hello world');
  t.is(v('"hello world" | title'), 'Hello World');
  t.is(v('"a.b.c" | replace(".", "-")'), 'a-b-c');
});

test('basename and dirname as Python os.path', (t) => {
  t.is(v('"/var/lib/etcd/member" | basename'), 'member');
  t.is(v('"/var/lib/etcd/" | basename'), '');
  t.is(v('"/var/lib/etcd/member" | dirname'), '/var/lib/etcd');
  t.is(v('"/etcd" | dirname'), '/');
  t.is(v('"etcd" | dirname'), '');
});

test('length, count', (t) => {
  t.is(v('"abc" | length'), 3);
  t.is(v('xs | length', { xs: [1, 2] }), 2);
  t.is(v('d | count', { d: { a: 1 } }), 1);
  t.throws(() => v('n | length', { n: 5 }), { instanceOf: TemplateError, message: /has no length/ });
});

test('split', (t) => {
  t.deepEqual(v('"a b  c" | split'), ['a', 'b', 'c']);
  t.deepEqual(v('"a,b,,c" | split(",")'), ['a', 'b', '', 'c']);
  t.deepEqual(v('"a,b,c" | split(",", 1)'), ['a', 'b,c']);
});

test('first, last, unique, sort, reverse, min, max, sum, flatten', (t) => {
  const xs = [3, 1, 2, 1];
  t.is(v('xs | first', { xs }), 3);
  t.is(v('xs | last', { xs }), 1);
  t.deepEqual(v('xs | unique', { xs }), [3, 1, 2]);
  t.deepEqual(v('xs | sort', { xs }), [1, 1, 2, 3]);
  t.deepEqual(v('xs | sort(reverse=true)', { xs }), [3, 2, 1, 1]);
  t.deepEqual(v('ss | sort', { ss: ['b', 'A', 'c'] }), ['A', 'b', 'c']);
  t.deepEqual(v('ss | sort(attribute="n")', { ss: [{ n: 2 }, { n: 1 }] }), [{ n: 1 }, { n: 2 }]);
  t.deepEqual(v('xs | reverse', { xs }), [1, 2, 1, 3]);
  t.is(v('xs | min', { xs }), 1);
  t.is(v('xs | max', { xs }), 3);
  t.is(v('xs | sum', { xs }), 7);
  t.deepEqual(v('[[1, [2]], 3] | flatten'), [1, 2, 3]);
  t.deepEqual(v('[[1, [2]], 3] | flatten(levels=1)'), [1, [2], 3]);
  t.throws(() => v('[1, "a"] | sort'), { instanceOf: TemplateError, message: /cannot order/ });
});

const members = [
  { name: 'etcd1', healthy: true, id: 1 },
  { name: 'etcd2', healthy: false, id: 2 },
  { name: 'etcd3', healthy: true },
];

test('map: attribute= and filter names', (t) => {
  t.deepEqual(v('members | map(attribute="name") | list', { members }), ['etcd1', 'etcd2', 'etcd3']);
  t.deepEqual(v('members | map(attribute="id", default=0) | list', { members }), [1, 2, 0]);
  t.deepEqual(v('["a", "b"] | map("upper") | list'), ['A', 'B']);
  t.deepEqual(v('["a1", "b2"] | map("regex_replace", "\\\\d", "") | list'), ['a', 'b']);
  t.throws(() => v('members | map(attribute="id") | list', { members }), { instanceOf: TemplateError, message: /no attribute `id`/ });
});

test('select / reject / selectattr / rejectattr', (t) => {
  t.deepEqual(v('[0, 1, "", "a"] | select | list'), [1, 'a']);
  t.deepEqual(v('[1, 2, 3, 4] | select("even") | list'), [2, 4]);
  t.deepEqual(v('[1, 2, 3, 4] | reject("equalto", 3) | list'), [1, 2, 4]);
  t.deepEqual(v('members | selectattr("healthy") | map(attribute="name") | list', { members }), ['etcd1', 'etcd3']);
  t.deepEqual(v('members | rejectattr("healthy") | map(attribute="name") | list', { members }), ['etcd2']);
  t.deepEqual(v('members | selectattr("id", "defined") | map(attribute="name") | list', { members }), ['etcd1', 'etcd2']);
  t.deepEqual(v('members | selectattr("name", "match", "etcd[12]") | map(attribute="id") | list', { members }), [1, 2]);
});

test('dict2items / items2dict', (t) => {
  t.deepEqual(v('d | dict2items', { d: { a: 1, b: 2 } }), [
    { key: 'a', value: 1 },
    { key: 'b', value: 2 },
  ]);
  t.deepEqual(v('d | dict2items(key_name="k", value_name="v")', { d: { a: 1 } }), [{ k: 'a', v: 1 }]);
  t.deepEqual(v('[{"key": "a", "value": 1}] | items2dict'), { a: 1 });
  t.deepEqual(v('[{"n": "a", "v": 1}] | items2dict(key_name="n", value_name="v")'), { a: 1 });
});

test('combine: shallow, recursive, lists of mappings, list_merge', (t) => {
  t.deepEqual(v('a | combine(b)', { a: { x: 1, n: { p: 1 } }, b: { y: 2, n: { q: 2 } } }), { x: 1, y: 2, n: { q: 2 } });
  t.deepEqual(v('a | combine(b, recursive=true)', { a: { n: { p: 1 } }, b: { n: { q: 2 } } }), { n: { p: 1, q: 2 } });
  t.deepEqual(v('[a, b] | combine', { a: { x: 1 }, b: { x: 2 } }), { x: 2 });
  t.deepEqual(v('a | combine(b, list_merge="append")', { a: { l: [1] }, b: { l: [2] } }), { l: [1, 2] });
  t.throws(() => v('a | combine(1)', { a: {} }), { instanceOf: TemplateError, message: /can only combine mappings/ });
});

test('b64encode / b64decode', (t) => {
  t.is(v('"etcd ✓" | b64encode'), Buffer.from('etcd ✓').toString('base64'));
  t.is(v('"ZXRjZA==" | b64decode'), 'etcd');
  t.throws(() => v('"@@" | b64decode'), { instanceOf: TemplateError });
});

test('hash, sha256, sha1, md5, checksum', (t) => {
  t.is(v('"abc" | hash("sha256")'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.is(v('"abc" | sha256'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.is(v('"abc" | hash'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  t.is(v('"abc" | sha1'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  t.is(v('"abc" | checksum'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  t.is(v('"abc" | md5'), '900150983cd24fb0d6963f7d28e17f72');
  t.throws(() => v('"abc" | hash("nope")'), { instanceOf: TemplateError, message: /unknown hash type/ });
});

test('human_readable / human_to_bytes', (t) => {
  t.is(v('1536 | human_readable'), '1.50 KB');
  t.is(v('2147483648 | human_readable'), '2.00 GB');
  t.is(v('1048576 | human_readable(unit="K")'), '1024.00 KB');
  t.is(v('"8G" | human_to_bytes'), 8589934592);
  t.is(v('"512 MB" | human_to_bytes'), 536870912);
  t.is(v('"100" | human_to_bytes'), 100);
});

test('extract: look items up in a container (map("extract", hostvars, "ip"))', (t) => {
  const hostvars = { n1: { ip: '10.0.0.1' }, n2: { ip: '10.0.0.2' } };
  t.deepEqual(v('["n1", "n2"] | map("extract", hostvars, "ip") | list', { hostvars }), ['10.0.0.1', '10.0.0.2']);
  t.is(v('1 | extract(["a", "b"])'), 'b');
  t.throws(() => v('"n3" | extract(hostvars)', { hostvars }), { instanceOf: TemplateError, message: /not in the container/ });
});

test('set operations, zip, ternary, type_debug, mandatory, abs', (t) => {
  t.deepEqual(v('[1, 2] | union([2, 3])'), [1, 2, 3]);
  t.deepEqual(v('[1, 2] | intersect([2, 3])'), [2]);
  t.deepEqual(v('[1, 2] | difference([2, 3])'), [1]);
  t.deepEqual(v('[1, 2] | symmetric_difference([2, 3])'), [1, 3]);
  t.deepEqual(v('["a", "b"] | zip([1, 2])'), [
    ['a', 1],
    ['b', 2],
  ]);
  t.is(v('x | ternary("on", "off")', { x: true }), 'on');
  t.is(v('x | type_debug', { x: [] }), 'list');
  t.is(v('x | mandatory', { x: 1 }), 1);
  t.throws(() => v('x | mandatory'), { instanceOf: TemplateError, message: /undefined variable `x`/ });
  t.is(v('-3 | abs'), 3);
});

test('arguments are checked by name and number', (t) => {
  t.throws(() => v('d | to_json(indnet=2)', { d: {} }), { instanceOf: TemplateError, message: /unknown argument `indnet`/ });
  t.throws(() => v('"a" | upper(1)'), { instanceOf: TemplateError, message: /takes at most 0 arguments/ });
});

test('every filter is also reachable as ansible.builtin.NAME', (t) => {
  t.is(v('"a b" | ansible.builtin.quote'), "'a b'");
  const names = filterNames();
  for (const name of ['quote', 'default', 'regex_replace', 'combine']) t.true(names.has(`ansible.builtin.${name}`), name);
});
