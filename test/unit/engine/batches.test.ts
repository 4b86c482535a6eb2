import test from 'ava';
import { computeBatches } from '../../../src/engine/batches.js';

const hosts = ['a', 'b', 'c', 'd', 'e'];

test('no serial: one batch of every host', (t) => {
  t.deepEqual(computeBatches(hosts, undefined), [hosts]);
});

test('serial: 1 rolls one host at a time', (t) => {
  t.deepEqual(computeBatches(hosts, 1), [['a'], ['b'], ['c'], ['d'], ['e']]);
});

test('serial: 2 leaves a short last batch', (t) => {
  t.deepEqual(computeBatches(hosts, 2), [['a', 'b'], ['c', 'd'], ['e']]);
});

test('serial percentage rounds down but never to zero', (t) => {
  t.deepEqual(computeBatches(['a', 'b', 'c'], '50%'), [['a'], ['b'], ['c']]);
  t.deepEqual(computeBatches(hosts, '40%'), [['a', 'b'], ['c', 'd'], ['e']]);
  t.deepEqual(computeBatches(hosts, '10%'), [['a'], ['b'], ['c'], ['d'], ['e']]);
});

test('serial list: canary first, the last value repeats', (t) => {
  t.deepEqual(computeBatches(hosts, [1, 2]), [['a'], ['b', 'c'], ['d', 'e']]);
  t.deepEqual(computeBatches(hosts, [1, '100%']), [['a'], ['b', 'c', 'd', 'e']]);
});

test('serial: 0 means all at once; garbage is a config error', (t) => {
  t.deepEqual(computeBatches(hosts, 0), [hosts]);
  t.throws(() => computeBatches(hosts, 'lots'), { message: /serial must be a number or a percentage/ });
});
