import test from 'ava';
import { UndoStack } from '../../../src/engine/undo-stack.js';
import type { PlayScope } from '../../../src/engine/context.js';
import type { Task } from '../../../src/playbook/types.js';

const scope = {} as PlayScope;
const task = (name: string) => ({ name }) as Task;

test('drains newest task first, each task grouped across hosts', (t) => {
  const u = new UndoStack();
  u.push({ task: task('one'), seq: 1, host: 'a', scope });
  u.push({ task: task('one'), seq: 1, host: 'b', scope });
  u.push({ task: task('two'), seq: 2, host: 'b', scope });
  u.push({ task: task('three'), seq: 3, host: 'a', scope });
  const groups = u.drainNewestFirst();
  t.deepEqual(
    groups.map((g) => g.map((e) => `${e.task.name}@${e.host}`)),
    [['three@a'], ['two@b'], ['one@a', 'one@b']],
  );
  t.is(u.size, 0, 'draining empties the stack so nothing is undone twice');
});
