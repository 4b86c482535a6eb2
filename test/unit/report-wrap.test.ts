import test from 'ava';
import { wrapWords } from '../../src/report/paint.js';

test('wrapWords breaks between words and keeps the indent', (t) => {
  const line = '         -> etcd STOPPED (start failed); config restored from /etc/etcd/etcd.conf.2026-12-04@19:31:42~ (200/2000)';
  const rows = wrapWords(line, 60, 12);
  t.true(rows.every((r) => r.length <= 60), rows.join('\n'));
  t.true(rows.slice(1).every((r) => r.startsWith('            ') && r[12] !== ' '));
  t.is(rows.join(' ').replace(/\s+/g, ' ').trim(), line.replace(/\s+/g, ' ').trim());
  for (const word of line.trim().split(/\s+/)) t.true(rows.some((r) => r.includes(word)), `${word} kept whole`);
});

test('wrapWords cuts only a word wider than a row', (t) => {
  const rows = wrapWords(`see ${'x'.repeat(50)} there`, 30, 2);
  t.true(rows.every((r) => r.length <= 30), rows.join('\n'));
  t.is(rows.join('').replace(/\s/g, ''), `see${'x'.repeat(50)}there`);
});

test('wrapWords leaves a short line alone', (t) => {
  t.deepEqual(wrapWords('short', 80, 4), ['short']);
  t.deepEqual(wrapWords('no width given', undefined, 4), ['no width given']);
});

test('an ignored gRPC error reads in a few words without -v', async (t) => {
  const { quietReason } = await import('../../src/report/tty.js');
  const msg = 'http://10.250.137.13:2379 (node3) is unhealthy: 14 UNAVAILABLE: No connection established. Last error: Failed to connect (2026-12-04T19:39:56.382Z). Resolution note: ';
  t.is(quietReason(msg), 'http://10.250.137.13:2379 (node3) is unhealthy: not answering (-v for the gRPC error)');
  t.is(quietReason('file not found'), 'file not found');
});
