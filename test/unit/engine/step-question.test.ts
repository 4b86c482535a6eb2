import test from 'ava';
import { stepAnswerOf } from '../../../src/engine/confirm.js';
import { stepQuestion } from '../../../src/engine/step-question.js';

test('--step answers: Enter is no, as in Ansible; anything unknown is not an answer', (t) => {
  t.is(stepAnswerOf(''), 'no');
  t.is(stepAnswerOf('  '), 'no');
  t.is(stepAnswerOf('N'), 'no');
  t.is(stepAnswerOf('y'), 'yes');
  t.is(stepAnswerOf('Yes'), 'yes');
  t.is(stepAnswerOf('c'), 'continue');
  t.is(stepAnswerOf('continue'), 'continue');
  t.is(stepAnswerOf('x'), undefined);
});

test('--step question: the task as each host reads it, and the hosts', (t) => {
  const task = { name: 'Restart {{ inventory_hostname }}' } as never;
  t.is(stepQuestion(task, ['node2'], (h) => `Restart ${h}`), 'Run "Restart node2" on node2?');
  t.is(stepQuestion(task, ['node1', 'node2'], () => 'Restart etcd'), 'Run "Restart etcd" on node1, node2?');
  t.is(stepQuestion(task, ['node1', 'node2'], (h) => `Restart ${h}`), 'Run "Restart node1" on node1, "Restart node2" on node2?');
});
