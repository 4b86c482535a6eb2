import test from 'ava';
import { ConfigError } from '../../../src/errors.js';
import { render, TemplateError } from '../../../src/template/index.js';

const loc = { file: 'play.yaml', line: 12, col: 9 };

function failure(t: { throws: (fn: () => unknown, e?: object) => unknown }, fn: () => unknown): TemplateError {
  return t.throws(fn, { instanceOf: TemplateError }) as TemplateError;
}

test('renders variables, attributes and filters', (t) => {
  t.is(render('etcd {{ name }} on {{ host.addr }}:{{ ports[0] }}', { name: 'etcd1', host: { addr: '10.0.0.1' }, ports: [2379] }), 'etcd etcd1 on 10.0.0.1:2379');
  t.is(render('{{ name | upper }}', { name: 'etcd1' }), 'ETCD1');
  t.is(render('plain text', {}), 'plain text');
});

test('an undefined variable is a ConfigError naming it and the location, never an empty string', (t) => {
  const err = failure(t, () => render('--name {{ etcd_nmae }}', { etcd_name: 'etcd1' }, loc));
  t.true(err instanceof ConfigError);
  t.is(err.exitCode, 2);
  t.is(err.undefinedName, 'etcd_nmae');
  t.deepEqual(err.loc, loc);
  t.regex(err.message, /^play\.yaml:12:9: undefined variable `etcd_nmae`/);
  t.is(err.problems[0]!.hint, 'did you mean `etcd_name`?');
});

test('an undefined name in a condition or a comparison is an error too, not false', (t) => {
  failure(t, () => render('{% if typo %}x{% endif %}', {}, loc));
  failure(t, () => render('{{ 1 == typo }}', {}, loc));
  failure(t, () => render('{{ typo | length }}', {}, loc));
  failure(t, () => render('{% for x in typo %}{{ x }}{% endfor %}', {}, loc));
});

test('a missing attribute is an error with the keys that exist', (t) => {
  const err = failure(t, () => render('{{ result.stdot }}', { result: { stdout: 'ok', rc: 0 } }, loc));
  t.regex(err.message, /`result` \(mapping\) has no attribute `stdot`/);
  t.is(err.problems[0]!.hint, 'did you mean `stdout`?');
  const far = failure(t, () => render('{{ result.zzzzzz }}', { result: { stdout: 'ok', rc: 0 } }, loc));
  t.regex(far.problems[0]!.hint!, /it has `stdout`, `rc`/);
  failure(t, () => render('{{ items[5] }}', { items: [1] }, loc));
  failure(t, () => render('{{ none_value.x }}', { none_value: null }, loc));
});

test('the line inside a multi-line template is named', (t) => {
  const err = failure(t, () => render('first\nsecond\n{{ missing }}', {}, loc));
  t.regex(err.message, /undefined variable `missing` \(template line 3\)/);
  t.deepEqual(err.loc, loc);
});

test('without a location the message quotes the template', (t) => {
  const err = failure(t, () => render('echo {{ missing }}', {}));
  t.regex(err.message, /in "echo \{\{ missing \}\}"/);
});

test('`is defined`, `is not defined`, `is undefined` and `default` work on undefined names', (t) => {
  t.is(render('{{ x is defined }} {{ x is not defined }} {{ x is undefined }}', {}), 'false true true');
  t.is(render('{{ x is defined }}', { x: null }), 'true');
  t.is(render('{{ x | default("fallback") }}', {}), 'fallback');
  t.is(render('{{ x | d(5) }}', {}), '5');
  t.is(render('{{ x.y.z | default("deep") }}', {}), 'deep');
  t.is(render('{{ x.missing | default("attr") }}', { x: {} }), 'attr');
  t.is(render('{{ x | default("no") }}', { x: 'yes' }), 'yes');
  t.is(render('{% if x is defined and x > 1 %}big{% else %}none{% endif %}', {}), 'none');
  t.is(render('{{ x | ansible.builtin.default(1) }}', {}), '1');
});

test('the fallback of default is itself strict', (t) => {
  failure(t, () => render('{{ x | default(y) }}', {}));
});

test('default with boolean=true replaces falsy values, as Jinja', (t) => {
  t.is(render('{{ x | default("d", true) }}', { x: '' }), 'd');
  t.is(render('{{ x | default("d") }}', { x: '' }), '');
  t.is(render('{{ x | default("d", boolean=true) }}', { x: [] }), 'd');
});

test('Jinja syntax: if/for/set, and/or/not, in, ~, literals of both spellings', (t) => {
  const vars = { xs: [1, 2, 3], d: { a: 1, b: 2 }, s: 'etcd-1' };
  t.is(render('{% for x in xs %}{{ loop.index }}={{ x }}{% if not loop.last %},{% endif %}{% endfor %}', vars), '1=1,2=2,3=3');
  t.is(render('{% for k in d %}{{ k }}{% endfor %}', vars), 'ab');
  t.is(render('{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', vars), 'a=1;b=2;');
  t.is(render('{% set n = xs | length %}{{ n * 2 }}', vars), '6');
  t.is(render('{{ "etcd" in s and 2 in xs and "a" in d and "z" not in d }}', vars), 'true');
  t.is(render('{{ s ~ "-" ~ 1 }}', vars), 'etcd-1-1');
  t.is(render('{{ True and not False }} {{ None is none }} {{ true or false }} {{ none is none }}', {}), 'true true true true');
  t.is(render('{{ "yes" if xs else "no" }}', vars), 'yes');
});

test('conditions use Ansible truthiness: empty lists and mappings are false', (t) => {
  t.is(render('{% if xs %}some{% else %}empty{% endif %}', { xs: [] }), 'empty');
  t.is(render('{% if d %}some{% else %}empty{% endif %}', { d: {} }), 'empty');
  t.is(render('{{ not flag }}', { flag: 'false' }), 'true');
  t.is(render('{{ a or "fallback" }}', { a: '' }), 'fallback');
  t.is(render('{{ a and b }}', { a: 'x', b: 'y' }), 'y');
});

test('== compares lists and mappings by value and never coerces strings to numbers', (t) => {
  t.is(render('{{ xs == [1, 2] }}', { xs: [1, 2] }), 'true');
  t.is(render('{{ d == {"a": 1} }}', { d: { a: 1 } }), 'true');
  t.is(render('{{ "1" == 1 }}', {}), 'false');
  t.is(render('{{ 1 < 2 < 3 }}', {}), 'true');
  const err = failure(t, () => render('{{ "10" > 3 }}', {}, loc));
  t.regex(err.message, /cannot compare string "10" with number 3/);
});

test('lists and mappings print as JSON; null prints nothing', (t) => {
  t.is(render('{{ xs }} {{ d }}', { xs: ['a', 1], d: { k: true } }), '["a",1] {"k":true}');
  t.is(render('[{{ n }}]', { n: null }), '[]');
  t.is(render('{{ b }}', { b: false }), 'false');
});

test('Python string and mapping methods', (t) => {
  t.deepEqual(render('{{ "a  b c".split() | join("|") }}', {}), 'a|b|c');
  t.is(render('{{ v.startswith("v3.") }} {{ v.strip("v") }} {{ v.replace(".", "_") }}', { v: 'v3.5' }), 'true 3.5 v3_5');
  t.is(render('{{ d.get("a") }} {{ d.get("z", 0) }} {{ d.keys() | list | join(",") }}', { d: { a: 1, b: 2 } }), '1 0 a,b');
});

test('templates cannot read files or call lookups', (t) => {
  t.regex(failure(t, () => render('{% include "x" %}', {}, loc)).message, /not supported: templates cannot read files/);
  t.regex(failure(t, () => render('{{ lookup("file", "/etc/passwd") }}', {}, loc)).message, /`lookup\(...\)` is not supported/);
});

test('syntax errors and unknown filters are ConfigErrors at the location', (t) => {
  const syntax = failure(t, () => render('{{ x ', {}, loc));
  t.regex(syntax.message, /^play\.yaml:12:9: template syntax error/);
  const unknown = failure(t, () => render('{{ x | upperr }}', { x: 'a' }, loc));
  t.regex(unknown.message, /unknown filter `upperr`/);
  t.is(unknown.problems[0]!.hint, 'did you mean `upper`?');
  t.regex(failure(t, () => render('{{ x is defind }}', {}, loc)).message, /unknown test `defind`/);
});

test('a failing filter names itself', (t) => {
  const err = failure(t, () => render('{{ "nope" | from_json }}', {}, loc));
  t.regex(err.message, /filter `from_json`: not valid JSON/);
});

test('variables are read lazily, only when used, and set never writes into them', (t) => {
  const vars: Record<string, unknown> = { used: 'u' };
  Object.defineProperty(vars, 'unused', {
    enumerable: true,
    get() {
      throw new Error('read an unused variable');
    },
  });
  t.is(render('{{ used }}', vars), 'u');
  render('{% set used = "changed" %}{{ used }}', vars);
  t.is(vars.used, 'u');
});

test('inherited (layered) variables are visible, Object.prototype names are not', (t) => {
  const play = { port: 2379 };
  const task = Object.create(play) as Record<string, unknown>;
  task.name = 'etcd';
  t.is(render('{{ name }}:{{ port }}', task), 'etcd:2379');
  failure(t, () => render('{{ toString }}', task));
  failure(t, () => render('{{ d.constructor }}', { d: {} }));
});

test('a ConfigError from a lazily rendered variable passes through unchanged', (t) => {
  const inner = new ConfigError({ message: 'variable `a` refers to itself' });
  const vars = {};
  Object.defineProperty(vars, 'a', {
    get() {
      throw inner;
    },
  });
  t.is(t.throws(() => render('{{ a }}', vars)), inner);
});

test('`{{ omit }}` and `range` are built in', (t) => {
  t.is(render('{{ range(3) | join(",") }}', {}), '0,1,2');
  t.regex(render('{{ omit }}', {}), /^__omit_place_holder__/);
});

test('macros, call blocks and set blocks write their own output', (t) => {
  const vars = { hostvars: { n1: { ip: '10.0.0.1' } } };
  t.is(render('{%- macro peer(h) -%}https://{{ hostvars[h].ip }}:2380{%- endmacro %}{{ peer("n1") | upper }}', vars), 'HTTPS://10.0.0.1:2380');
  t.is(render('{% macro m() %}<{{ caller() }}>{% endmacro %}{% call m() %}inner{% endcall %}', {}), '<inner>');
  t.is(render('{% set b %}a{{ 1 + 1 }}b{% endset %}[{{ b }}]', {}), '[a2b]');
});

test('a block tag eats the newline after it (trim_blocks, as Ansible)', (t) => {
  t.is(render('{% if true %}\nyes\n{% endif %}\nend', {}), 'yes\nend');
  t.is(render('{% raw %}{{ kept }}{% endraw %}', {}), '{{ kept }}');
});
