import test from 'ava';
import { debug } from '../../../src/modules/debug.js';
import { pause } from '../../../src/modules/pause.js';
import { moduleNames } from '../../../src/modules/registry.js';
import { setFact } from '../../../src/modules/set-fact.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { moduleContext, parseArgs } from './support/context.js';

test('set_fact: every key becomes a fact; cacheable is Ansible-only and ignored', async (t) => {
  const args = parseArgs(setFact.schema, { leader_id: 'abc', members: [1, 2], cacheable: true });
  t.deepEqual(setFact.factNames!(args), ['leader_id', 'members']);
  const r = await setFact.run(moduleContext(new FakeTransport()), args);
  t.deepEqual(r, { changed: false, facts: { leader_id: 'abc', members: [1, 2] } });
  t.true(setFact.readOnly);
});

test('set_fact: fact names must be variable names', (t) => {
  t.false(setFact.schema.safeParse({ 'not-valid': 1 }).success);
  t.false(setFact.schema.safeParse({ '1x': 1 }).success);
});

test('pause: seconds sleep, prompt asks', async (t) => {
  const started = Date.now();
  const slept = await pause.run(moduleContext(new FakeTransport()), parseArgs(pause.schema, { seconds: 0.05 }));
  t.true(Date.now() - started >= 45);
  t.like(slept, { changed: false });
  const asked: string[] = [];
  const answered = await pause.run(
    moduleContext(new FakeTransport(), { prompt: async (q) => (asked.push(q), 'yes') }),
    parseArgs(pause.schema, { prompt: 'Restore now?' }),
  );
  t.deepEqual(asked, ['Restore now?']);
  t.like(answered, { data: { user_input: 'yes' } });
});

test('pause: without a TTY the prompt rejects and so does the task', async (t) => {
  await t.throwsAsync(pause.run(moduleContext(new FakeTransport()), parseArgs(pause.schema, {})), { message: 'no TTY in tests' });
});

test('pause: aborts promptly', async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('interrupted')), 20);
  await t.throwsAsync(pause.run(moduleContext(new FakeTransport(), { signal: ac.signal }), parseArgs(pause.schema, { minutes: 5 })), { message: 'interrupted' });
});

test('debug: still prints a message', async (t) => {
  const ctx = moduleContext(new FakeTransport(), { vars: { x: { a: 1 } } });
  const r = await debug.run(ctx, parseArgs(debug.schema, { var: 'x' }));
  t.is(r.msg, '{\n  "a": 1\n}');
});

test('registry: every generic module is registered', (t) => {
  for (const name of ['assert', 'command', 'copy', 'debug', 'distribute', 'fetch', 'file', 'lineinfile', 'pause', 'set_fact', 'shell', 'systemd', 'template', 'wait_for']) {
    t.true(moduleNames().includes(name), name);
  }
});

test('registry: every argument of every module is described for editors', async (t) => {
  const { z } = await import('zod');
  const { getModule } = await import('../../../src/modules/registry.js');
  for (const name of moduleNames()) {
    const m = getModule(name)!;
    const json = z.toJSONSchema(m.schema, { unrepresentable: 'any' }) as { properties?: Record<string, { description?: string }> };
    for (const [key, prop] of Object.entries(json.properties ?? {})) {
      t.truthy(prop.description, `${name}.${key} has no description`);
    }
  }
});
