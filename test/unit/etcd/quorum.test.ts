import test from 'ava';
import { faultTolerance, keepsQuorumAfterRemoval, quorumOf, wouldLoseQuorum } from '../../../src/etcd/quorum.js';

test('quorum is floor(n/2)+1', (t) => {
  t.deepEqual([1, 2, 3, 4, 5, 6, 7].map(quorumOf), [1, 2, 2, 3, 3, 4, 4]);
  t.is(quorumOf(0), 1);
  t.throws(() => quorumOf(-1));
  t.throws(() => quorumOf(2.5));
});

test('fault tolerance is floor((n-1)/2)', (t) => {
  t.deepEqual([1, 2, 3, 4, 5].map(faultTolerance), [0, 0, 1, 1, 2]);
});

test('a 3-member cluster survives one member down, not two', (t) => {
  const members = ['etcd1', 'etcd2', 'etcd3'];
  t.false(wouldLoseQuorum(members, []));
  t.false(wouldLoseQuorum(members, ['etcd1']));
  t.true(wouldLoseQuorum(members, ['etcd1', 'etcd3']));
});

test('learners do not count towards quorum', (t) => {
  const members = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'l', isLearner: true }];
  t.false(wouldLoseQuorum(members, ['a', 'l']));
  t.true(wouldLoseQuorum(members, ['a', 'b']));
});

test('names that are not members are ignored', (t) => {
  t.false(wouldLoseQuorum(['a', 'b', 'c'], ['x', 'y']));
});

test('an even cluster loses quorum with half down', (t) => {
  t.true(wouldLoseQuorum(['a', 'b', 'c', 'd'], ['a', 'b']));
  t.false(wouldLoseQuorum(['a', 'b', 'c', 'd'], ['a']));
});

test('removing a broken member from 3 leaves 2 of 2 up', (t) => {
  t.true(keepsQuorumAfterRemoval(['a', 'b', 'c'], ['a', 'b'], 'c'));
  // removing a healthy one while another is down leaves 1 of 2: no quorum
  t.false(keepsQuorumAfterRemoval(['a', 'b', 'c'], ['a', 'b'], 'a'));
});
