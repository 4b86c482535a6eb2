import test from 'ava';
import { evaluate, evaluateCondition, TemplateError, truthy } from '../../../src/template/index.js';

const result = { rc: 0, stdout: 'etcd 3.5.12', stdout_lines: ['a', 'b'], changed: true, failed: false };

test('bare expressions as in when/until/failed_when', (t) => {
  t.is(evaluate('result.rc == 0', { result }), true);
  t.is(evaluate("'3.5' in result.stdout and result.stdout_lines | length == 2", { result }), true);
  t.is(evaluate('result is changed and result is not failed', { result }), true);
  t.is(evaluate('x is defined', {}), false);
  t.is(evaluate('result.rc', { result }), 0);
  t.deepEqual(evaluate('result.stdout_lines', { result }), ['a', 'b']);
});

test('literals of both spellings', (t) => {
  t.is(evaluate('true', {}), true);
  t.is(evaluate('False', {}), false);
  t.is(evaluate('None', {}), null);
});

test('booleans pass through; a {{ }} condition is rendered', (t) => {
  t.is(evaluate(true as unknown as string, {}), true);
  t.is(evaluate('{{ n > 1 }}', { n: 2 }), true);
});

test('a trailing newline (YAML folded scalars) is fine', (t) => {
  t.is(evaluate('n == 1\n', { n: 1 }), true);
  t.is(evaluate('n == 1\n  and m == 2\n', { n: 1, m: 2 }), true);
});

test('undefined names and syntax errors are located TemplateErrors', (t) => {
  const loc = { file: 'p.yaml', line: 9, col: 13 };
  const err = t.throws(() => evaluate('reslt.rc == 0', { result }, loc), { instanceOf: TemplateError });
  t.deepEqual(err!.loc, loc);
  t.is(err!.problems[0]!.hint, 'did you mean `result`?');
  t.throws(() => evaluate('result.rc ==', { result }, loc), { instanceOf: TemplateError, message: /syntax error/ });
  t.throws(() => evaluate('  ', {}, loc), { instanceOf: TemplateError, message: /empty condition/ });
});

test('a condition list is ANDed and stops at the first false item', (t) => {
  t.true(evaluateCondition(['result.rc == 0', 'result is changed'], { result }));
  t.false(evaluateCondition(['result.rc == 1', 'result is changed'], { result }));
  // the second item would fail on an undefined name; it is never evaluated
  t.false(evaluateCondition(['x is defined', 'x > 1'], {}));
  t.true(evaluateCondition(true, {}));
  t.false(evaluateCondition([true, false], {}));
  t.false(evaluateCondition('[]', {}));
});

test('truthiness: Python rules plus Ansible false strings', (t) => {
  for (const v of [false, 0, '', 'false', 'No', 'off', '0', [], {}, null, undefined]) t.false(truthy(v), String(JSON.stringify(v)));
  for (const v of [true, 1, 'yes', 'x', [0], { a: 1 }, -1]) t.true(truthy(v), String(JSON.stringify(v)));
});

test('+ and * follow Python: lists and strings join and repeat, mixed types are an error', (t) => {
  const vars = { members: ['etcd1', 'etcd2'], extra: 'etcd3', n: 3 };
  t.deepEqual(evaluate("members + [extra]", vars), ['etcd1', 'etcd2', 'etcd3']);
  t.deepEqual(vars.members, ['etcd1', 'etcd2'], 'the operands are not changed');
  t.is(evaluate("extra + '-new'", vars), 'etcd3-new');
  t.is(evaluate('n + 1.5', vars), 4.5);
  t.is(evaluate('true + 1', vars), 2);
  t.is(evaluate("'-' * n", vars), '---');
  t.is(evaluate("2 * 'ab'", vars), 'abab');
  t.deepEqual(evaluate('[0] * n', vars), [0, 0, 0]);
  t.deepEqual(evaluate('members * 0', vars), []);
  t.is(evaluate('n * 2.5', vars), 7.5);
  t.is(evaluate("members ~ '!'", vars), '["etcd1","etcd2"]!');
  t.is(evaluate('1 ~ 2', vars), '12');
  t.throws(() => evaluate("extra + 1", vars), { instanceOf: TemplateError, message: /cannot add string "etcd3" and number 1 with `\+`/ });
  t.throws(() => evaluate("members + extra", vars), { instanceOf: TemplateError, message: /cannot add .* with `\+`/ });
  t.throws(() => evaluate("'ab' * 1.5", vars), { instanceOf: TemplateError, message: /cannot multiply string "ab" by number 1.5/ });
  t.throws(() => evaluate("{'a': 1} + {'b': 2}", vars), { instanceOf: TemplateError, message: /cannot add/ });
});
