import test from 'ava';
import { renderValue, TemplateError } from '../../../src/template/index.js';

const vars = { n: 3, xs: ['a', 'b'], d: { k: 1 }, name: 'etcd1', flag: false, nothing: null };

test('a lone {{ expr }} keeps the native type, as Ansible', (t) => {
  t.is(renderValue('{{ n }}', vars), 3);
  t.deepEqual(renderValue('{{ xs }}', vars), ['a', 'b']);
  t.deepEqual(renderValue('{{ d }}', vars), { k: 1 });
  t.is(renderValue('{{ flag }}', vars), false);
  t.is(renderValue('{{ nothing }}', vars), null);
  t.is(renderValue('{{ n + 1 }}', vars), 4);
  t.deepEqual(renderValue('{{ xs | map("upper") | list }}', vars), ['A', 'B']);
});

test('any other string renders to a string', (t) => {
  t.is(renderValue('{{ n }} hosts', vars), '3 hosts');
  t.is(renderValue(' {{ n }}', vars), ' 3');
  t.is(renderValue('{{ n }}{{ n }}', vars), '33');
  t.is(renderValue('{% if flag %}on{% else %}off{% endif %}', vars), 'off');
  t.is(renderValue('no template', vars), 'no template');
});

test('objects and arrays are rendered deeply; other values are kept', (t) => {
  const input = { cmd: 'echo {{ name }}', retries: '{{ n }}', list: ['{{ xs }}', 7, true], nested: { when: null, x: '{{ d.k }}' } };
  t.deepEqual(renderValue(input, vars), { cmd: 'echo etcd1', retries: 3, list: [['a', 'b'], 7, true], nested: { when: null, x: 1 } });
  t.is(renderValue(42, vars), 42);
  t.is(renderValue(null, vars), null);
});

test('the input is not modified', (t) => {
  const input = { a: '{{ n }}' };
  renderValue(input, vars);
  t.deepEqual(input, { a: '{{ n }}' });
});

test('mapping entries set to omit are left out', (t) => {
  t.deepEqual(renderValue({ a: 1, mode: '{{ mode | default(omit) }}' }, vars), { a: 1 });
  t.deepEqual(renderValue({ a: 1, mode: '{{ mode | default(omit) }}' }, { mode: '0644' }), { a: 1, mode: '0644' });
});

test('templated keys are rendered', (t) => {
  t.deepEqual(renderValue({ '{{ name }}_port': 2379 }, vars), { etcd1_port: 2379 });
});

test('an expression without a value is an error, not undefined', (t) => {
  const err = t.throws(() => renderValue('{{ [] | first }}', vars), { instanceOf: TemplateError });
  t.regex(err!.message, /has no value/);
  t.is(renderValue('{{ [] | first | default("none") }}', vars), 'none');
});

test('undefined names fail with the location', (t) => {
  const loc = { file: 'p.yaml', line: 4, col: 3 };
  const err = t.throws(() => renderValue({ a: ['{{ missing }}'] }, vars, loc), { instanceOf: TemplateError });
  t.deepEqual(err!.loc, loc);
});
