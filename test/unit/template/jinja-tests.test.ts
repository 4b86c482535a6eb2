import test from 'ava';
import { evaluate, TemplateError } from '../../../src/template/index.js';

test('task result tests', (t) => {
  const ok = { changed: true, failed: false, rc: 0 };
  const bad = { changed: false, failed: true, rc: 1 };
  t.true(evaluate('r is changed and r is succeeded and r is success and r is not failed', { r: ok }) as boolean);
  t.true(evaluate('r is failed and r is not changed and r is not skipped', { r: bad }) as boolean);
  t.true(evaluate('r is skipped', { r: { skipped: true } }) as boolean);
  t.throws(() => evaluate('r is failed', { r: 'text' }), { instanceOf: TemplateError, message: /expects a registered task result/ });
});

test('version comparison', (t) => {
  t.true(evaluate('v is version("3.5.0", ">=")', { v: '3.5.12' }) as boolean);
  t.true(evaluate('v is version("3.10", ">")', { v: 'v3.11.0' }) as boolean);
  t.false(evaluate('v is version("3.10.0", "<")', { v: '3.9.0' }) === false);
  t.true(evaluate('v is version_compare("3.4", "lt")', { v: '3.3.27' }) as boolean);
  t.true(evaluate('v is version("3.5.0")', { v: '3.5.0' }) as boolean);
  t.throws(() => evaluate('v is version("1", "~")', { v: '1' }), { instanceOf: TemplateError, message: /unknown operator/ });
});

test('type tests', (t) => {
  const vars = { s: 'x', n: 1, f: 1.5, b: true, l: [], d: {}, z: null };
  t.true(evaluate('s is string and n is number and n is integer and f is float and b is boolean', vars) as boolean);
  t.true(evaluate('l is sequence and d is mapping and z is none and l is iterable', vars) as boolean);
  t.false(evaluate('d is sequence', vars) as boolean);
});

test('comparison, membership and number tests', (t) => {
  t.true(evaluate('3 is eq(3) and 3 is ne(4) and 3 is gt(2) and 3 is ge(3) and 3 is lt(4) and 3 is le(3)', {}) as boolean);
  t.true(evaluate('2 is in([1, 2]) and [1, 2] is contains(1)', {}) as boolean);
  t.true(evaluate('4 is even and 3 is odd and 9 is divisibleby(3)', {}) as boolean);
  t.true(evaluate('[1] is subset([1, 2]) and [1, 2] is superset([2])', {}) as boolean);
  t.true(evaluate('"abc" is lower and "ABC" is upper', {}) as boolean);
  t.true(evaluate('"x" is truthy and "" is falsy', {}) as boolean);
});

test('match (anchored), search and regex', (t) => {
  t.true(evaluate('s is match("etcd")', { s: 'etcd-1' }) as boolean);
  t.false(evaluate('s is match("1")', { s: 'etcd-1' }) as boolean);
  t.true(evaluate('s is search("1")', { s: 'etcd-1' }) as boolean);
  t.true(evaluate('s is regex("ETCD", ignorecase=true)', { s: 'etcd-1' }) as boolean);
});
