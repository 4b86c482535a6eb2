import test from 'ava';
import { planPlaybook, planText } from '../../../src/engine/plan.js';
import { memoryInventory, play, shellTask } from './engine-fixture.js';

test('plan renders each step per host, shows the batches and every undo, without connecting', async (t) => {
  const inv = memoryInventory(['a', 'b', 'c'], { a: { port: 1 }, b: { port: 2 }, c: { port: 3 } });
  const pb = play(
    [
      shellTask('open {{ port }}', 'open --port {{ port }}', { rollback: [shellTask('close', 'close --port {{ port }}')] }),
      shellTask('uses a result', 'echo {{ earlier.stdout }}'),
    ],
    { serial: 2, rollback: [shellTask('play undo', 'cleanup')] },
  );
  const plan = await planPlaybook(pb, inv, {}, { tags: [], skipTags: [] });
  t.deepEqual(plan[0]!.batches, [['a', 'b'], ['c']]);
  t.is(plan[0]!.steps.b![0]!.action, 'open --port 2');
  t.deepEqual(plan[0]!.steps.c![0]!.rollback, [{ task: 'close', action: 'close --port 3' }]);
  // a value only known at run time is shown as written
  t.is(plan[0]!.steps.a![1]!.action, 'echo {{ earlier.stdout }}');
  const text = planText(plan);
  t.regex(text, /batches: \[a, b\] then \[c\]/);
  t.regex(text, /undo: close: close --port 1/);
  t.regex(text, /on failure, after undoing completed steps:\n    - play undo: cleanup/);
});

test('plan honours --limit and --tags', async (t) => {
  const inv = memoryInventory(['a', 'b']);
  const pb = play([shellTask('tagged', 'x', { tags: ['db'] }), shellTask('other', 'y')]);
  const plan = await planPlaybook(pb, inv, {}, { limit: 'b', tags: ['db'], skipTags: [] });
  t.deepEqual(plan[0]!.hosts, ['b']);
  t.deepEqual(plan[0]!.steps.b!.map((s) => s.task), ['tagged']);
});
