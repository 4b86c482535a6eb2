import test from 'ava';
import { parseBackupName, scanBackups, type BackupFile } from '../../../src/schedule/backup-name.js';
import { applyRetention, parsePolicy, policyProblems, type RetentionPolicy } from '../../../src/schedule/retention.js';

/** Sunday 2026-11-22 10:30 UTC; its ISO week started Monday 2026-11-16 */
const NOW = new Date('2026-11-22T10:30:00Z');

/** `1122T1000` -> a backup of cluster `prod` taken 2026-11-22 10:00:00 UTC */
function backup(stamp: string, cluster = 'prod', rev = 100): BackupFile {
  const [date, time] = stamp.length === 9 ? [`2026${stamp.slice(0, 4)}`, stamp.slice(5)] : [stamp.slice(0, 8), stamp.slice(9)];
  const name = `etcd-${cluster}-${date}T${time.padEnd(6, '0')}Z-rev${rev}.db`;
  const parsed = parseBackupName(name);
  if (!parsed) throw new Error(`bad test stamp ${stamp}`);
  return { ...parsed, checksum: `${name}.sha256`, size: 1000 };
}

/** every `hours` hours back from `from` for `count` backups */
function every(hours: number, count: number, from = new Date('2026-11-22T10:00:00Z')): BackupFile[] {
  return Array.from({ length: count }, (_, i) => {
    const t = new Date(from.getTime() - i * hours * 3_600_000);
    const stamp = t.toISOString().replace(/[-:]/g, '').slice(0, 15);
    return backup(stamp);
  });
}

const stampOf = (b: BackupFile) => b.name.replace(/^etcd-[^-]+-2026(\d{4})T(\d{4})\d{2}Z.*$/, '$1T$2');

interface Case {
  title: string;
  policy: RetentionPolicy;
  backups: BackupFile[];
  keep: string[];
}

const cases: Case[] = [
  {
    title: 'keep_last 3 keeps the three newest',
    policy: { keep_last: 3 },
    backups: ['1122T1000', '1122T0400', '1121T2200', '1121T1600', '1121T1000', '1121T0400'].map((s) => backup(s)),
    keep: ['1122T1000', '1122T0400', '1121T2200'],
  },
  {
    title: 'keep_last larger than the set keeps everything',
    policy: { keep_last: 10 },
    backups: ['1122T1000', '1122T0400'].map((s) => backup(s)),
    keep: ['1122T1000', '1122T0400'],
  },
  {
    title: 'keep_within 1h keeps what is younger than an hour, not a minute more',
    policy: { keep_within: '1h' },
    backups: ['1122T1025', '1122T1000', '1122T0931', '1122T0929', '1122T0800'].map((s) => backup(s)),
    keep: ['1122T1025', '1122T1000', '1122T0931'],
  },
  {
    title: 'hourly 3 keeps the newest of this hour and the two before',
    policy: { hourly: 3 },
    backups: ['1122T1025', '1122T1005', '1122T0950', '1122T0910', '1122T0859', '1122T0730'].map((s) => backup(s)),
    keep: ['1122T1025', '1122T0950', '1122T0859'],
  },
  {
    title: 'hourly counts hours on the clock, so an empty hour uses up a slot',
    policy: { hourly: 3 },
    backups: ['1122T1010', '1122T0810', '1122T0710'].map((s) => backup(s)),
    keep: ['1122T1010', '1122T0810'],
  },
  {
    title: 'daily 7 keeps the newest of each of the last 7 days (today included)',
    policy: { daily: 7 },
    backups: every(12, 20),
    // 12-hourly from 11-22 10:00: 22:00 of each earlier day is that day's newest
    keep: ['1122T1000', '1121T2200', '1120T2200', '1119T2200', '1118T2200', '1117T2200', '1116T2200'],
  },
  {
    title: 'weekly 4 keeps the newest of each of the last 4 ISO weeks (Monday to Sunday)',
    policy: { weekly: 4 },
    backups: every(24, 40),
    // weeks start 11-16, 11-09, 11-02, 10-26; the newest of each earlier week is its Sunday
    keep: ['1122T1000', '1115T1000', '1108T1000', '1101T1000'],
  },
  {
    title: 'monthly 3 keeps the newest of this month and the two before',
    policy: { monthly: 3 },
    backups: every(24 * 7, 20),
    // weekly from 11-22: 10-25 is October's newest, 09-27 September's
    keep: ['1122T1000', '1025T1000', '0927T1000'],
  },
  {
    title: 'the usual policy on a 6-hourly schedule: all of the last hour, hourly for a day, daily for a week, weekly for a month',
    policy: { keep_within: '1h', hourly: 24, daily: 7, weekly: 4 },
    backups: every(6, 4 * 40),
    keep: [
      // hourly 24: the four backups of the last 24 hours (10:00, 04:00, 22:00, 16:00)
      '1122T1000', '1122T0400', '1121T2200', '1121T1600',
      // daily 7: 22:00 of 11-21 .. 11-16
      '1120T2200', '1119T2200', '1118T2200', '1117T2200', '1116T2200',
      // weekly 4: Sundays 22:00 of the three earlier weeks
      '1115T2200', '1108T2200', '1101T2200',
    ],
  },
  {
    title: 'the newest backup stays even when every rule has let it go',
    policy: { hourly: 2 },
    backups: ['1119T1000', '1118T1000', '1117T1000'].map((s) => backup(s)),
    keep: ['1119T1000'],
  },
  {
    title: 'an empty directory decides nothing',
    policy: { keep_last: 3 },
    backups: [],
    keep: [],
  },
  {
    title: 'a backup stamped in the future is kept',
    policy: { keep_last: 1 },
    backups: ['1122T1200', '1122T1000', '1122T0400'].map((s) => backup(s)),
    keep: ['1122T1200'],
  },
];

for (const c of cases) {
  test(`retention: ${c.title}`, (t) => {
    const decisions = applyRetention(c.backups, c.policy, NOW);
    t.is(decisions.length, c.backups.length, 'one decision per backup');
    const kept = decisions.filter((d) => d.keep).map((d) => stampOf(d.backup));
    t.deepEqual(kept, c.keep);
    const deleted = decisions.filter((d) => !d.keep).map((d) => d.backup.name);
    const expectedDeleted = c.backups.map((b) => b.name).filter((n) => !c.keep.includes(stampOf({ name: n } as BackupFile)));
    t.deepEqual(new Set(deleted), new Set(expectedDeleted));
    for (const d of decisions) t.is(d.keep, d.reasons.length > 0, `${d.backup.name}: kept exactly when it has a reason`);
  });
}

test('retention: the higher revision of a same-second pair is the one kept', (t) => {
  const decisions = applyRetention([backup('1122T1000', 'prod', 5), backup('1122T1000', 'prod', 9)], { keep_last: 1 }, NOW);
  t.deepEqual(decisions.filter((d) => d.keep).map((d) => d.backup.revision), [9]);
});

test('retention: clusters are decided separately and each keeps its newest', (t) => {
  const backups = [backup('1122T1000', 'a'), backup('1122T0400', 'a'), backup('1118T1000', 'b'), backup('1117T1000', 'b')];
  const kept = applyRetention(backups, { keep_last: 1 }, NOW).filter((d) => d.keep).map((d) => d.backup.name);
  t.deepEqual(kept, [backups[0]!.name, backups[2]!.name]);
});

test('retention: reasons say which rule kept a backup', (t) => {
  const [newest, second] = applyRetention(every(1, 3), { keep_within: '2h', daily: 1 }, NOW);
  t.deepEqual(newest!.reasons, ['newest', 'within 2h', 'daily 2026-11-22']);
  t.deepEqual(second!.reasons, ['within 2h']);
});

test('retention: the newest of each cluster always stays, whatever the policy (random sets)', (t) => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const policies: RetentionPolicy[] = [{ keep_last: 1 }, { hourly: 1 }, { daily: 1 }, { weekly: 1 }, { monthly: 1 }, { keep_within: '1s' }, { hourly: 5, weekly: 2 }];
  for (let round = 0; round < 200; round++) {
    const backups = Array.from({ length: 1 + rand(30) }, () => {
      const t0 = new Date(NOW.getTime() - rand(90 * 24) * 3_600_000 - rand(3600) * 1000);
      return backup(t0.toISOString().replace(/[-:]/g, '').slice(0, 15), ['a', 'b', 'c'][rand(3)], rand(1000));
    });
    const policy = policies[rand(policies.length)]!;
    const decisions = applyRetention(backups, policy, NOW);
    for (const cluster of new Set(backups.map((b) => b.cluster))) {
      const ofCluster = decisions.filter((d) => d.backup.cluster === cluster);
      t.true(ofCluster[0]!.keep, `round ${round}: newest of ${cluster} kept`);
    }
  }
});

test('retention: a policy that keeps nothing is refused, not read as "only the newest"', (t) => {
  t.regex(policyProblems({}).join(), /at least one rule/);
  t.regex(policyProblems({ hourly: 0, daily: 0 }).join(), /at least one rule/);
  t.throws(() => applyRetention([backup('1122T1000')], {}, NOW), { message: /at least one rule/ });
  t.regex(policyProblems({ keep_last: 0 }).join(), /keep_last must be a whole number of at least 1/);
  t.regex(policyProblems({ keep_within: 'soon' }).join(), /keep_within: "soon" is not a duration/);
  t.deepEqual(policyProblems({ weekly: 4 }), []);
});

test('retention: --policy text parses into the same rules as the schedules file', (t) => {
  t.deepEqual(parsePolicy('keep_last=3 keep_within=1h, hourly=24,daily=7 weekly:4'), { keep_last: 3, keep_within: '1h', hourly: 24, daily: 7, weekly: 4 });
  t.throws(() => parsePolicy('dayly=7'), { message: /"dayly=7" is not a retention rule/ });
  t.throws(() => parsePolicy('daily=seven'), { message: /daily needs a whole number/ });
  t.throws(() => parsePolicy(''), { message: /at least one rule/ });
});

test('backup files: only the playbook\'s names count, each paired with its checksum', (t) => {
  const scan = scanBackups([
    { name: 'etcd-prod-20261122T100000Z-rev4711.db', size: 10 },
    { name: 'etcd-prod-20261122T100000Z-rev4711.db.sha256', size: 1 },
    { name: 'etcd-my-cluster-2-20261121T100000Z-rev12.db', size: 20 },
    { name: 'etcd-my-cluster-2-20261121T100000Z-rev12.sha256', size: 1 },
    { name: 'etcd-prod-20261120T100000Z-rev1.db', size: 30 },
    { name: 'etcd-prod-20261119T100000Z-rev1.db.sha256', size: 1 },
    { name: 'etcd-prod-20261122T100000Z-rev4711.db.part', size: 5 },
    { name: 'etcd-prod-20261131T100000Z-rev1.db', size: 5 },
    { name: 'notes.txt', size: 5 },
    { name: 'etcd-prod-latest.db', size: 5 },
  ]);
  t.deepEqual(
    scan.backups.map((b) => [b.cluster, b.revision, b.checksum]),
    [
      ['prod', 4711, 'etcd-prod-20261122T100000Z-rev4711.db.sha256'],
      ['my-cluster-2', 12, 'etcd-my-cluster-2-20261121T100000Z-rev12.sha256'],
      ['prod', 1, undefined],
    ],
  );
  t.deepEqual(scan.orphanChecksums, ['etcd-prod-20261119T100000Z-rev1.db.sha256']);
});

test('prune deletes exactly the unkept backups with their checksums, oldest first', async (t) => {
  const { planPrune, executePrune } = await import('../../../src/schedule/prune.js');
  const files = new Map<string, number>();
  for (const b of every(6, 8)) {
    files.set(b.name, 100);
    files.set(`${b.name}.sha256`, 1);
  }
  files.set('unrelated.db', 5);
  const removed: string[][] = [];
  const store = {
    where: 'memory',
    list: async () => [...files].map(([name, size]) => ({ name, size })),
    remove: async (names: readonly string[]) => {
      removed.push([...names]);
      for (const n of names) files.delete(n);
    },
  };
  const plan = await planPrune(store, { keep_last: 3 }, NOW);
  const deleted = await executePrune(store, plan);
  t.is(plan.remove.length, 5);
  t.is(deleted.length, 10);
  t.deepEqual(removed[0], ['etcd-prod-20261120T160000Z-rev100.db', 'etcd-prod-20261120T160000Z-rev100.db.sha256']);
  t.deepEqual([...files.keys()].sort(), [...every(6, 3).flatMap((b) => [b.name, `${b.name}.sha256`]), 'unrelated.db'].sort());
});
