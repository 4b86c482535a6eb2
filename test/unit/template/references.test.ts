import test from 'ava';
import { checkTemplate, referencedNames, TemplateError, templateReferences } from '../../../src/template/index.js';

test('top-level names, in order, once', (t) => {
  t.deepEqual(referencedNames('{{ a.b | default(c) }}'), ['a', 'c']);
  t.deepEqual(referencedNames('{{ x }} {{ y[z] }} {{ x }}'), ['x', 'y', 'z']);
  t.deepEqual(referencedNames('{{ hostvars[inventory_hostname].ip }}'), ['hostvars', 'inventory_hostname']);
});

test('loop variables, set names, macro arguments, literals and globals are not references', (t) => {
  t.deepEqual(referencedNames('{% for m in members %}{{ m.name }}{{ loop.index }}{% endfor %}'), ['members']);
  t.deepEqual(referencedNames('{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}'), ['d']);
  t.deepEqual(referencedNames('{% set n = xs | length %}{{ n }}'), ['xs']);
  t.deepEqual(referencedNames('{% macro f(a, b=c) %}{{ a }}{{ b }}{% endmacro %}{{ f(1) }}'), ['c']);
  t.deepEqual(referencedNames('{{ True }} {{ None }} {{ range(3) }} {{ omit }}'), []);
  t.deepEqual(referencedNames('{{ {"k": v, key: 1} }} {{ f(x=y) }}'), ['v', 'f', 'y']);
  t.deepEqual(referencedNames('{{ xs | map("upper") | join(sep) }}'), ['xs', 'sep']);
});

test('bare expressions', (t) => {
  t.deepEqual(referencedNames('result.rc == 0 and x is defined', { expression: true }), ['result', 'x']);
  t.deepEqual(referencedNames('"a" in groups', { expression: true }), ['groups']);
});

test('guards: is defined / is undefined / default', (t) => {
  const refs = templateReferences('x is defined and y | default(1) > z and w is undefined and q.r is not defined', { expression: true });
  t.deepEqual(
    refs.map((r) => [r.name, r.guarded]),
    [
      ['x', true],
      ['y', true],
      ['z', false],
      ['w', true],
      ['q', true],
    ],
  );
});

test('positions are 1-based inside the template', (t) => {
  const [ref] = templateReferences('line\n  {{ name }}');
  t.like(ref, { name: 'name', line: 2, col: 6 });
  const [expr] = templateReferences('a == b', { expression: true });
  t.like(expr, { name: 'a', line: 1, col: 1 });
});

test('checkTemplate finds syntax errors and unknown filters without rendering', (t) => {
  const loc = { file: 'p.yaml', line: 3, col: 4 };
  t.notThrows(() => checkTemplate('{{ undefined_is_fine_here | upper }}', loc));
  t.notThrows(() => checkTemplate('x is defined', loc, { expression: true }));
  t.throws(() => checkTemplate('{{ x | nosuch }}', loc), { instanceOf: TemplateError, message: /unknown filter `nosuch`/ });
  const err = t.throws(() => checkTemplate('a ==', loc, { expression: true }), { instanceOf: TemplateError });
  t.deepEqual(err!.loc, loc);
});
