import test from 'ava';
import { prefixRangeEnd } from '../../../src/etcd/key-range.js';

test('range end increments the last byte', (t) => {
  t.is(prefixRangeEnd(Buffer.from('/registry/')).toString(), '/registry0');
  t.is(prefixRangeEnd(Buffer.from('a')).toString(), 'b');
});

test('trailing 0xff bytes are dropped before incrementing', (t) => {
  t.deepEqual([...prefixRangeEnd(Buffer.from([0x61, 0xff, 0xff]))], [0x62]);
});

test('an empty or all-0xff prefix means the end of the keyspace', (t) => {
  t.deepEqual([...prefixRangeEnd(Buffer.alloc(0))], [0]);
  t.deepEqual([...prefixRangeEnd(Buffer.from([0xff]))], [0]);
});

test('the input is not modified', (t) => {
  const p = Buffer.from('abc');
  prefixRangeEnd(p);
  t.is(p.toString(), 'abc');
});
