import test from 'ava';
import { hasFreeSpace, notShrunkReason } from '../../../src/etcd/modules/etcd-defrag.js';
import { DEFAULT_QUOTA_BYTES, judgeQuota } from '../../../src/etcd/modules/etcd-quota-check.js';

const MB = 1_000_000;
const MiB = 1024 * 1024;

test('live data at 92% of a 4 MiB quota: a warning saying to raise the quota or delete data', (t) => {
  const v = judgeQuota('node1', 3.88 * MB, 3.87 * MB, 4 * MiB, 0.8);
  t.true(v.near);
  t.is(v.quota, 4 * MiB);
  t.regex(v.warning ?? '', /^node1: live data is 3\.9 MB, 92% of the quota 4\.2 MB .*NOSPACE.*Raise the quota \(-e quota_backend_bytes=.*or delete data/);
});

test('a quota of 0 or none is etcd\'s default of 2 GiB, and a small database is fine', (t) => {
  for (const q of [0, '0', '', undefined]) {
    const v = judgeQuota('node1', 50 * MB, 20 * MB, q, 0.8);
    t.is(v.quota, DEFAULT_QUOTA_BYTES);
    t.false(v.near);
    t.is(v.warning, undefined);
  }
});

test('what counts is the data in use, not the file: a big file with little in use is no warning', (t) => {
  t.false(judgeQuota('n', 15 * MiB, 2 * MiB, 16 * MiB, 0.8).near);
  t.true(judgeQuota('n', 15 * MiB, 14 * MiB, '16777216', 0.8).near);
});

test('a defrag that did not shrink the file says why: nothing to reclaim when it was all in use', (t) => {
  const why = notShrunkReason({ dbSize: 3.88 * MB, dbSizeInUse: 3.87 * MB }, { dbSize: 3.88 * MB, dbSizeInUse: 3.87 * MB }, false);
  t.regex(why ?? '', /^not smaller: 3\.9 MB of 3\.9 MB was in use, so there was nothing to reclaim/);
  t.is(notShrunkReason({ dbSize: 16 * MB, dbSizeInUse: 2 * MB }, { dbSize: 2 * MB, dbSizeInUse: 2 * MB }, false), undefined, 'shrunk: nothing to explain');
});

test('free pages that a defrag did not give back are named, with the second pass', (t) => {
  t.true(hasFreeSpace({ dbSize: 3.88 * MB, dbSizeInUse: 1.98 * MB }));
  t.false(hasFreeSpace({ dbSize: 3.88 * MB, dbSizeInUse: 3.8 * MB }));
  t.false(hasFreeSpace({ dbSize: 3.88 * MB, dbSizeInUse: 0 }), 'etcd 3.3 and older report no in-use size');
  const why = notShrunkReason({ dbSize: 3.88 * MB, dbSizeInUse: 1.98 * MB }, { dbSize: 3.88 * MB, dbSizeInUse: 1.98 * MB }, true);
  t.regex(why ?? '', /although only 2\.0 MB of 3\.9 MB was in use, even after a second pass: the member may still be applying a compaction/);
});
