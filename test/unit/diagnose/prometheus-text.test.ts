import test from 'ava';
import { histogram, histogramDelta, histogramQuantile, parseMetrics, total } from '../../../src/diagnose/prometheus-text.js';

const scrape = (buckets: number[], sum: number) =>
  parseMetrics(
    [
      '# TYPE etcd_disk_wal_fsync_duration_seconds histogram',
      ...['0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '0.128', '0.256', '0.512', '+Inf'].map(
        (le, i) => `etcd_disk_wal_fsync_duration_seconds_bucket{le="${le}"} ${buckets[i] ?? buckets.at(-1)}`,
      ),
      `etcd_disk_wal_fsync_duration_seconds_sum ${sum}`,
      `etcd_disk_wal_fsync_duration_seconds_count ${buckets.at(-1)}`,
      'etcd_server_leader_changes_seen_total 3',
      'etcd_network_peer_round_trip_time_seconds_bucket{To="ab",le="0.1"} 2',
    ].join('\n'),
  );

test('samples, labels and counters are parsed', (t) => {
  const m = scrape([1, 2, 3], 0.5);
  t.is(total(m, 'etcd_server_leader_changes_seen_total'), 3);
  t.is(total(m, 'no_such_metric'), null);
  t.deepEqual(m.find((s) => s.name.endsWith('round_trip_time_seconds_bucket'))!.labels, { To: 'ab', le: '0.1' });
});

test('the window p99 comes from the delta: a long fast history does not hide a slow window', (t) => {
  // 10000 fast fsyncs before the window, then 20 at ~200 ms inside it
  const before = histogram(scrape([10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000], 5), 'etcd_disk_wal_fsync_duration_seconds');
  const after = histogram(scrape([10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10020, 10020, 10020], 9), 'etcd_disk_wal_fsync_duration_seconds');
  const lifetime = histogramQuantile(0.99, after)!;
  t.true(lifetime <= 0.001, `lifetime p99 ${lifetime}`);
  const window = histogramDelta(before, after)!;
  t.is(window.count, 20);
  const p99 = histogramQuantile(0.99, window)!;
  t.true(p99 > 0.128 && p99 <= 0.256, `window p99 ${p99}`);
});

test('quantile interpolates inside the bucket, as histogram_quantile does', (t) => {
  const h = { buckets: [{ le: 0.1, count: 50 }, { le: 0.2, count: 100 }, { le: Infinity, count: 100 }], count: 100, sum: 0 };
  t.is(histogramQuantile(0.5, h), 0.1);
  t.is(Math.round(histogramQuantile(0.75, h)! * 1000), 150);
  t.is(histogramQuantile(0.99, { ...h, buckets: [] }), null);
  // all in +Inf: the highest finite bound is all the buckets can tell
  t.is(histogramQuantile(0.99, { buckets: [{ le: 0.5, count: 0 }, { le: Infinity, count: 4 }], count: 4, sum: 8 }), 0.5);
});

test('a counter reset (member restarted) gives the second scrape as the window', (t) => {
  const before = { buckets: [{ le: 1, count: 100 }], count: 100, sum: 5 };
  const after = { buckets: [{ le: 1, count: 3 }], count: 3, sum: 0.1 };
  t.deepEqual(histogramDelta(before, after), after);
});
