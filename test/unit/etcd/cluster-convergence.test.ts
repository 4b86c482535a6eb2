import test from 'ava';
import { judgeConvergence, type MemberObservation } from '../../../src/etcd/cluster-convergence.js';

const rules = { revisionTolerance: 5, raftIndexTolerance: 10, expectedMembers: 3 };
const member = (name: string, o: Partial<MemberObservation> = {}): MemberObservation => ({
  name,
  id: `id-${name}`,
  isLearner: false,
  healthy: true,
  leaderId: 'id-a',
  revision: 100,
  raftIndex: 200,
  ...o,
});

test('healthy, one leader, in sync', (t) => {
  const v = judgeConvergence([member('a'), member('b', { revision: 103 }), member('c', { raftIndex: 205 })], rules);
  t.true(v.ok);
  t.is(v.leaderId, 'id-a');
  t.is(v.revisionSpread, 3);
});

test('an unhealthy member', (t) => {
  const v = judgeConvergence([member('a'), member('b'), member('c', { healthy: false, error: 'connection refused', leaderId: undefined })], rules);
  t.false(v.ok);
  t.deepEqual(v.problems, ['c unhealthy: connection refused']);
});

test('no leader, or two', (t) => {
  t.deepEqual(judgeConvergence([member('a', { leaderId: '' }), member('b', { leaderId: '' }), member('c', { leaderId: '' })], rules).problems, ['no leader']);
  t.regex(judgeConvergence([member('a'), member('b', { leaderId: 'id-b' }), member('c')], rules).problems[0]!, /disagree/);
});

test('members out of sync', (t) => {
  const v = judgeConvergence([member('a'), member('b', { revision: 120 }), member('c', { raftIndex: 500 })], rules);
  t.deepEqual(v.problems, ['revisions differ by 20 (tolerance 5)', 'raft indexes differ by 300 (tolerance 10)']);
});

test('the wrong number of members', (t) => {
  t.deepEqual(judgeConvergence([member('a'), member('b')], rules).problems, ['2 members, expected 3']);
});

test('a leader that is not in the list', (t) => {
  const v = judgeConvergence([member('a', { leaderId: 'id-x' }), member('b', { leaderId: 'id-x' }), member('c', { leaderId: 'id-x' })], rules);
  t.regex(v.problems[0]!, /not a voting member/);
});
