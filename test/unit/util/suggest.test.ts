import test from 'ava';
import { closest, didYouMean, editDistance } from '../../../src/util/suggest.js';

test('edit distance counts a swapped pair as one edit', (t) => {
  t.is(editDistance('etcd', 'etdc'), 1);
  t.is(editDistance('etcd', 'etcd'), 0);
  t.is(editDistance('', 'abc'), 3);
  t.is(editDistance('kitten', 'sitting'), 3);
});

test('closest finds a typo', (t) => {
  t.is(closest('etcdd', ['kube_node', 'etcd', 'all']), 'etcd');
  t.is(closest('serail', ['serial', 'hosts', 'tasks']), 'serial');
  t.is(closest('ETCD', ['etcd']), 'etcd');
});

test('closest gives nothing when no candidate is near', (t) => {
  t.is(closest('database', ['etcd', 'all']), undefined);
  t.is(closest('x', []), undefined);
});

test('closest allows more edits for longer names', (t) => {
  // 3 edits on a 12-letter name is within len/3 = 4
  t.is(closest('kube_cntrl_plne', ['kube_control_plane']), 'kube_control_plane');
});

test('closest keeps the nearest, first on ties', (t) => {
  t.is(closest('node', ['nodes', 'node1']), 'nodes');
  t.is(closest('etcd1', ['etcd2', 'etcd1x', 'etcd']), 'etcd2');
});

test('didYouMean formats a suggestion or nothing', (t) => {
  t.is(didYouMean('etcdd', ['etcd']), ' did you mean `etcd`?');
  t.is(didYouMean('zzzzzz', ['etcd']), '');
});
