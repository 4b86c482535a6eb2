import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../../src/events/types.js';
import { backupFromEvents, backupFromMessage } from '../../../src/schedule/backup-report.js';
import { eventsText, runsTable } from '../../../src/schedule/history-text.js';
import { findRun, listRuns, readRunEvents } from '../../../src/schedule/run-history.js';

function runsDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'history-'));
  const write = (id: string, events: RunEvent[], summary?: object, job?: string) => {
    const dir = join(root, id);
    mkdirSync(dir);
    writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    if (summary) writeFileSync(join(dir, 'summary.json'), JSON.stringify({ runId: id, runDir: dir, ...summary }));
    if (job) writeFileSync(join(dir, 'job.json'), JSON.stringify({ job }));
  };
  const start = (id: string): RunEvent => ({ type: 'run:start', runId: id, playbook: 'playbooks/etcd-backup.yaml', inventory: ['inventory/prod.yaml'], hosts: ['node1'], check: false, runDir: '', time: '2026-11-22T10:00:00.100Z' });
  write(
    '20261122T100000Z-aaaa',
    [
      start('20261122T100000Z-aaaa'),
      { type: 'task:start', phase: 'task', task: 'snapshot', taskIndex: 0, hosts: ['node1'], loc: 'pb.yaml:5:7', time: '2026-11-22T10:00:01.000Z' },
      { type: 'host:end', phase: 'task', task: 'snapshot', taskIndex: 0, host: 'node1', status: 'changed', durationMs: 1200, time: '2026-11-22T10:00:02.200Z' },
      { type: 'run:end', status: 'ok', exitCode: 0, durationMs: 2500, recap: { node1: { ok: 1, changed: 1, failed: 0, skipped: 0, ignored: 0, rolled_back: 0, rollback_failed: 0, unreachable: false, state: 'snapshot taken' } }, time: '2026-11-22T10:00:02.600Z' },
    ],
    { playbook: 'playbooks/etcd-backup.yaml', inventory: ['inventory/prod.yaml'], status: 'ok', exitCode: 0, recap: {}, startedAt: '2026-11-22T10:00:00.100Z', durationMs: 2500, check: false, user: 'ops', controller: 'ctl1' },
    'prod-backup',
  );
  write(
    '20261122T160000Z-bbbb',
    [start('20261122T160000Z-bbbb')],
    { playbook: 'playbooks/etcd-backup.yaml', inventory: ['inventory/prod.yaml'], status: 'refused', exitCode: 3, message: 'preflight failed', recap: {}, startedAt: '2026-11-22T16:00:00.000Z', durationMs: 800, check: false, user: 'alice', controller: 'laptop' },
  );
  // killed mid-run: no summary, a torn last line
  const torn = join(root, '20261122T220000Z-cccc');
  mkdirSync(torn);
  writeFileSync(join(torn, 'events.jsonl'), `${JSON.stringify(start('20261122T220000Z-cccc'))}\n{"type":"task:st`);
  mkdirSync(join(root, 'not-a-run'));
  return root;
}

test('history lists runs newest first, with who ran them and how they ended', async (t) => {
  const runs = await listRuns(runsDir());
  t.deepEqual(runs.map((r) => [r.runId, r.status, r.user, r.job]), [
    ['20261122T220000Z-cccc', 'unfinished', undefined, undefined],
    ['20261122T160000Z-bbbb', 'refused', 'alice', undefined],
    ['20261122T100000Z-aaaa', 'ok', 'ops', 'prod-backup'],
  ]);
  const table = runsTable(runs);
  t.regex(table, /^STARTED\s+RUN ID\s+PLAYBOOK\s+INVENTORY\s+RESULT\s+DURATION\s+BY\s+JOB$/m);
  t.regex(table, /2026-11-22 16:00:00Z\s+20261122T160000Z-bbbb\s+playbooks\/etcd-backup.yaml\s+inventory\/prod.yaml\s+refused exit 3\s+0.8s\s+alice@laptop/);
});

test('history filters by job and limits', async (t) => {
  const dir = runsDir();
  t.deepEqual((await listRuns(dir, { job: 'prod-backup' })).map((r) => r.runId), ['20261122T100000Z-aaaa']);
  t.is((await listRuns(dir, { limit: 2 })).length, 2);
  t.deepEqual(await listRuns(join(dir, 'nope')), []);
});

test('history show finds a run by a unique prefix and replays its events with times', async (t) => {
  const dir = runsDir();
  const run = await findRun(dir, '20261122T10');
  const text = eventsText(await readRunEvents(run.dir), run, { verbosity: 1 });
  t.regex(text, /^10:00:00 runbook run 20261122T100000Z-aaaa: playbooks\/etcd-backup.yaml on 1 host/m);
  t.regex(text, /^10:00:02 {3}changed node1 \(1.2s\)/m);
  t.regex(text, /RECAP/);
  t.regex(text, /run succeeded/);
  await t.throwsAsync(findRun(dir, '20261122T'), { message: /ambiguous/ });
  await t.throwsAsync(findRun(dir, 'zzz'), { message: /no run "zzz"/ });
});

test('a run without run:end gets its recap from the summary, or says it has none', async (t) => {
  const dir = runsDir();
  const refused = await findRun(dir, '20261122T16');
  t.regex(eventsText(await readRunEvents(refused.dir), refused, { verbosity: 1 }), /run refused: nothing was changed \(exit 3, 0.8s\)\npreflight failed/);
  const killed = await findRun(dir, '20261122T22');
  t.is((await readRunEvents(killed.dir)).length, 1, 'the torn line is skipped');
  t.regex(eventsText(await readRunEvents(killed.dir), killed, { verbosity: 1 }), /UNFINISHED: the run is still going, or its controller died before it finished\.\nIt had changed nothing\./);
});

test('history show of a run whose controller died says where each host was left and names runbook rollback', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'history-'));
  const id = '20261204T100000Z-dead';
  mkdirSync(join(root, id));
  const events: RunEvent[] = [
    { type: 'run:start', runId: id, playbook: 'tune.yaml', inventory: ['inv'], hosts: ['node1', 'node2'], check: false, runDir: '' },
    { type: 'host:start', phase: 'task', task: 'Write the config of node1', taskIndex: 0, host: 'node1' },
    { type: 'host:end', phase: 'task', task: 'Write the config of node1', taskIndex: 0, host: 'node1', status: 'changed', durationMs: 5 },
    { type: 'host:start', phase: 'task', task: 'Restart etcd on node1', taskIndex: 1, host: 'node1' },
  ];
  writeFileSync(join(root, id, 'events.jsonl'), `${events.map((e) => JSON.stringify(e)).join('\n')}\n{"type":"journal:step","seq":3,"playIndex":0,"phase":"task","index":1,"host":"node1"}\n`);
  const run = await findRun(root, id);
  const text = eventsText(await readRunEvents(run.dir), run, { verbosity: 1 });
  t.regex(text, /Started and never finished:\n {2}node1: Restart etcd on node1\nChanged and not rolled back:\n {2}node1: Write the config of node1\n/);
  t.regex(text, new RegExp(`If its controller died: runbook rollback ${id}`));
});

test('backup report: the debug task\'s JSON, pretty or on one line, numbers as text or not', (t) => {
  const pretty = JSON.stringify({ backup: { path: '/b/etcd-prod-20261122T100000Z-rev9.db', size: 1024, revision: '9', keys: 3 } }, null, 2);
  t.deepEqual(backupFromMessage(pretty), { path: '/b/etcd-prod-20261122T100000Z-rev9.db', size: 1024, revision: 9, keys: 3 });
  t.deepEqual(backupFromMessage('snapshot saved\n{"backup": {"path": "/b/x.db", "size": "12"}}'), { path: '/b/x.db', size: 12, revision: undefined, keys: undefined });
  t.is(backupFromMessage('{"backup": {"size": 1}}'), undefined, 'a report needs a path');
  t.is(backupFromMessage('all good'), undefined);
  const ev = (host: string, msg: string, status: 'ok' | 'failed' = 'ok'): RunEvent => ({ type: 'host:end', phase: 'task', task: 'report', taskIndex: 1, host, status, durationMs: 1, msg });
  t.like(backupFromEvents([ev('node1', '{"backup":{"path":"/a"}}'), ev('node2', '{"backup":{"path":"/b"}}'), ev('node3', '{"backup":{"path":"/c"}}', 'failed')]), { path: '/b', host: 'node2' });
});
