import test from 'ava';
import { assert } from '../../../src/modules/assert.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { moduleContext, parseArgs } from './support/context.js';

const vars = { members: ['a', 'b', 'c'], health: { rc: 0 }, leader: '', version: '3.5.9' };
const run = (args: object) => assert.run(moduleContext(new FakeTransport(), { vars }), parseArgs(assert.schema, args));

const cases: Array<[string, object, Record<string, unknown>]> = [
  ['one true expression', { that: 'members | length == 3' }, { changed: false, msg: 'All assertions passed' }],
  ['all of a list', { that: ['health.rc == 0', "version.startswith('3.')", 'members | length >= 3'], success_msg: 'cluster ok' }, { msg: 'cluster ok' }],
  ['first false one fails with its text', { that: ['health.rc == 0', 'leader'] }, { failed: true, msg: 'Assertion failed: leader', data: { assertion: 'leader', evaluated_to: false } }],
  ['fail_msg', { that: 'members | length > 5', fail_msg: 'need 5 members' }, { failed: true, msg: 'need 5 members' }],
  ['msg is an alias of fail_msg', { that: 'false', msg: 'nope' }, { failed: true, msg: 'nope' }],
  ['an empty list is false, as in Jinja', { that: '[]' }, { failed: true }],
  ['{{ }} around an expression is tolerated', { that: '{{ health.rc == 0 }}' }, { changed: false }],
  ['quiet says nothing on success', { that: 'true', quiet: true }, { changed: false, msg: undefined }],
];

for (const [name, args, result] of cases) {
  test(`assert: ${name}`, async (t) => {
    t.like(await run(args), result);
  });
}

test('assert: an undefined variable is an error, not false', async (t) => {
  await t.throwsAsync(run({ that: 'nope == 1' }), { message: /undefined variable `nope`/ });
});

test('assert: runs no command and is read-only', async (t) => {
  const fake = new FakeTransport();
  await assert.run(moduleContext(fake, { vars }), parseArgs(assert.schema, { that: 'true' }));
  t.deepEqual(fake.calls, []);
  t.true(assert.readOnly);
  t.is(assert.describe(parseArgs(assert.schema, { that: ['a', 'b'] })), 'assert a and b');
});
