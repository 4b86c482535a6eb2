import test from 'ava';
import type { MemberInfo } from '../../../src/etcd/cluster-info.js';
import { judgeQuorum, etcdQuorumCheck, type CheckedMember } from '../../../src/etcd/modules/etcd-quorum-check.js';

function member(name: string, over: Partial<MemberInfo> = {}): MemberInfo {
  return { id: `${name}00000000000000`.slice(0, 16), name, peerUrls: [`http://${name}:2380`], clientUrls: [`http://${name}:2379`], isLearner: false, started: true, ...over };
}

function checked(spec: Record<string, 'up' | 'down' | 'out' | 'learner'>): CheckedMember[] {
  return Object.entries(spec).map(([name, s]) => ({
    member: member(name, { isLearner: s === 'learner' }),
    excluded: s === 'out',
    healthy: s === 'up' || s === 'learner',
    error: s === 'down' ? 'connection refused' : undefined,
  }));
}

test('3 members, one to replace, the other two up: fine', (t) => {
  const v = judgeQuorum(checked({ a: 'up', b: 'up', c: 'out' }), 'all');
  t.true(v.ok, v.problems.join('; '));
  t.like(v, { voters: 3, quorum: 2, votersAfterRemoval: 2, quorumAfterRemoval: 2, healthyOtherVoters: 2 });
});

test('3 members, one to replace and another already down: refused, naming both problems', (t) => {
  const v = judgeQuorum(checked({ a: 'up', b: 'down', c: 'out' }), 'all');
  t.false(v.ok);
  t.deepEqual(v.problems, [
    'b is not healthy: connection refused',
    'only 1 of 3 voting members would be up without c; a quorum is 2: the cluster would stop',
  ]);
  // quorum alone is not enough either
  t.false(judgeQuorum(checked({ a: 'up', b: 'down', c: 'out' }), 'quorum').ok);
});

test('5 members with one other down: only `require: quorum` lets it through', (t) => {
  const spec = { a: 'up', b: 'up', c: 'up', d: 'down', e: 'out' } as const;
  t.false(judgeQuorum(checked(spec), 'all').ok);
  const v = judgeQuorum(checked(spec), 'quorum');
  t.true(v.ok, v.problems.join('; '));
  t.like(v, { quorum: 3, quorumAfterRemoval: 3, healthyOtherVoters: 3 });
});

test('learners do not vote: they neither make nor break the quorum', (t) => {
  const v = judgeQuorum(checked({ a: 'up', b: 'up', l: 'learner', c: 'out' }), 'all');
  t.true(v.ok);
  t.like(v, { voters: 3, quorum: 2 });
  const lost = judgeQuorum(checked({ a: 'up', l: 'learner', c: 'out' }), 'all');
  t.false(lost.ok);
  t.regex(lost.problems.join(';'), /only 1 of 2 voting members would be up without c; a quorum is 2/);
});

test('nothing excluded: every member must be healthy', (t) => {
  t.true(judgeQuorum(checked({ a: 'up', b: 'up', c: 'up' }), 'all').ok);
  const v = judgeQuorum(checked({ a: 'up', b: 'up', c: 'down' }), 'all');
  t.deepEqual(v.problems, ['c is not healthy: connection refused']);
});

test('the last voting member cannot be left out', (t) => {
  const v = judgeQuorum(checked({ a: 'out' }), 'all');
  t.false(v.ok);
  t.deepEqual(v.problems, ['no voting member would be left']);
});

test('schema: without takes one member or a list, require all or quorum', (t) => {
  t.deepEqual(etcdQuorumCheck.schema.parse({}), { without: [], require: 'all' });
  t.true(etcdQuorumCheck.schema.safeParse({ without: 'node3', require: 'quorum' }).success);
  t.false(etcdQuorumCheck.schema.safeParse({ require: 'most' }).success);
});
