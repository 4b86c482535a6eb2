import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplyFlags } from '../../../src/cli/apply-command.js';
import type { RunSummary } from '../../../src/engine/run.js';
import { NoTtyPrompter, type Prompter } from '../../../src/engine/confirm.js';
import { ConfigError } from '../../../src/errors.js';
import type { EventBus } from '../../../src/events/bus.js';
import { applyFlagsFor, jobRunner, type ApplyFn } from '../../../src/schedule/job-runner.js';
import { LockHeldError } from '../../../src/schedule/lock.js';
import { parseMetricsState } from '../../../src/schedule/metrics.js';
import { listRuns } from '../../../src/schedule/run-history.js';
import type { RunJobContext } from '../../../src/schedule/scheduler.js';
import { job } from './fixtures.js';

type Io = { bus?: EventBus; prompter?: Prompter; signal?: AbortSignal };

/** an apply that emits what a backup run emits and writes a run record */
function fakeApply(runsDir: string, result: Partial<RunSummary> & { backupMsg?: string } = {}): { apply: ApplyFn; calls: { flags: ApplyFlags; io: Io }[] } {
  const calls: { flags: ApplyFlags; io: Io }[] = [];
  const apply = (async (playbook: string, flags: ApplyFlags, io: Io) => {
    calls.push({ flags, io });
    const runId = `20261122T100000Z-${calls.length.toString().padStart(4, '0')}`;
    const runDir = join(runsDir, runId);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'events.jsonl'), '');
    io.bus!.emit({ type: 'run:start', runId, playbook, inventory: flags.inventory, hosts: ['node1'], check: false, runDir });
    io.bus!.emit({ type: 'host:end', phase: 'task', task: 'report', taskIndex: 3, host: 'node1', status: 'ok', durationMs: 1, msg: result.backupMsg ?? JSON.stringify({ backup: { path: '/var/backups/etcd/etcd-prod-20261122T100000Z-rev4711.db', size: '1048576', revision: 4711, keys: 12 } }, null, 2) });
    const summary: RunSummary = { runId, runDir, playbook, inventory: flags.inventory, status: 'ok', exitCode: 0, recap: {}, startedAt: '2026-11-22T10:00:00.000Z', durationMs: 2500, check: false, user: 'ops', controller: 'ctl1', ...result };
    writeFileSync(join(runDir, 'summary.json'), JSON.stringify(summary));
    return summary;
  }) as ApplyFn;
  return { apply, calls };
}

function ctx(logs: string[] = []): RunJobContext & { runIds: string[] } {
  const runIds: string[] = [];
  return {
    tick: new Date('2026-11-22T10:00:00Z'),
    signal: new AbortController().signal,
    started: (id) => runIds.push(id),
    log: (event, fields = {}) => logs.push(`${event} ${JSON.stringify(fields)}`),
    runIds,
  };
}

test('a job runs apply without a terminal, with its own settings and the tick for the lock', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jr-'));
  const j = job('prod-backup', { runsDir: join(dir, '.runbook/runs'), extraVars: ['a=1'], limit: 'node1', lock: 'etcd', lockWait: 30 });
  const { apply, calls } = fakeApply(j.runsDir);
  const c = ctx();
  const outcome = await jobRunner({ apply })(j, c);
  t.like(outcome, { status: 'ok', exitCode: 0, runStatus: 'ok', durationMs: 2500 });
  const { flags, io } = calls[0]!;
  t.true(io.prompter instanceof NoTtyPrompter);
  t.is(io.signal, c.signal);
  t.like(flags, { yes: true, extraVars: ['a=1'], limit: 'node1', lock: 'etcd', lockWait: 30, check: false, locksDir: undefined });
  t.deepEqual(flags.scheduleTick, { job: 'prod-backup', at: c.tick });
  t.deepEqual(c.runIds, [outcome.runId]);
});

test('the run record names the job, so history and schedule list find it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jr-'));
  const j = job('prod-backup', { runsDir: join(dir, 'runs') });
  const { apply } = fakeApply(j.runsDir);
  await jobRunner({ apply, schedulesFile: '/ops/runbook.schedules.yaml' })(j, ctx());
  await new Promise((r) => setTimeout(r, 20));
  const [run] = await listRuns(j.runsDir, { job: 'prod-backup' });
  t.is(run?.job, 'prod-backup');
  t.is(run?.status, 'ok');
  t.is(JSON.parse(readFileSync(join(run!.dir, 'job.json'), 'utf8')).tick, '2026-11-22T10:00:00.000Z');
});

test('metrics get the run and the backup the playbook reported', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jr-'));
  const j = job('prod-backup', { runsDir: join(dir, 'runs'), metricsFile: join(dir, 'textfile/runbook.prom') });
  const logs: string[] = [];
  await jobRunner({ apply: fakeApply(j.runsDir).apply })(j, ctx(logs));
  const s = parseMetricsState(readFileSync(j.metricsFile!, 'utf8')).get('prod-backup')!;
  t.like(s, { runs: 1, failures: 0, lastStatus: 1, backupSize: 1048576, backupRevision: 4711, lastDuration: 2.5 });
  t.true(logs.some((l) => l.startsWith('backup ') && l.includes('"revision":4711')));
});

test('a failed run counts as a failure in the metrics and keeps the backup values of the last good one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jr-'));
  const j = job('prod-backup', { runsDir: join(dir, 'runs'), metricsFile: join(dir, 'runbook.prom') });
  await jobRunner({ apply: fakeApply(j.runsDir).apply })(j, ctx());
  const outcome = await jobRunner({ apply: fakeApply(j.runsDir, { status: 'rolled_back', exitCode: 1, message: 'step 2 failed' }).apply })(j, ctx());
  t.like(outcome, { status: 'failed', exitCode: 1, runStatus: 'rolled_back', message: 'step 2 failed' });
  const s = parseMetricsState(readFileSync(j.metricsFile!, 'utf8')).get('prod-backup')!;
  t.like(s, { runs: 2, failures: 1, lastStatus: 0, backupRevision: 4711 });
});

test('a job that needs a confirmation and has no yes fails loudly, saying what to do', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jr-'));
  const j = job('prod-backup', { runsDir: join(dir, 'runs'), yes: false });
  const refused = fakeApply(j.runsDir, { status: 'refused', exitCode: 5, message: 'not confirmed: "Back up etcd" needs an answer and there is no terminal; nothing was changed' });
  const outcome = await jobRunner({ apply: refused.apply })(j, ctx());
  t.is(refused.calls[0]!.flags.yes, false);
  t.like(outcome, { status: 'failed', exitCode: 5 });
  t.regex(outcome.message!, /needs an answer .* a scheduled run cannot ask anyone.*set `yes: true` on the job/);
});

test('a lock another run holds makes the tick a skip; a broken playbook a failure', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jr-'));
  const j = job('prod-backup', { runsDir: join(dir, 'runs'), metricsFile: join(dir, 'runbook.prom') });
  const held = (async () => {
    throw new LockHeldError('prod--etcd', { user: 'alice', host: 'ctl1', pid: 7, since: '2026-11-22T09:59:00Z' }, 'lock file x', 0);
  }) as ApplyFn;
  const skipped = await jobRunner({ apply: held })(j, ctx());
  t.like(skipped, { status: 'skipped', exitCode: 75 });
  t.regex(skipped.message!, /alice@ctl1 pid 7/);
  const broken = (async () => {
    throw new ConfigError({ message: 'playbook.yaml:3:5: unknown module "shel"', hint: 'did you mean shell?' });
  }) as ApplyFn;
  const failed = await jobRunner({ apply: broken })(j, ctx());
  t.like(failed, { status: 'failed', exitCode: 2 });
  t.regex(failed.message!, /unknown module "shel".*did you mean shell/);
  const s = parseMetricsState(readFileSync(j.metricsFile!, 'utf8')).get('prod-backup')!;
  t.like(s, { skipped: 1, runs: 1, failures: 1 });
});

test('retention runs after a successful run only, on the job\'s backup directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jr-'));
  const backups = join(dir, 'backups');
  mkdirSync(backups);
  const names = ['20261122T100000Z', '20261122T040000Z', '20261121T220000Z', '20261121T160000Z'].map((s, i) => `etcd-prod-${s}-rev${100 - i}.db`);
  for (const n of names) {
    writeFileSync(join(backups, n), 'snapshot');
    writeFileSync(join(backups, `${n}.sha256`), 'sum');
  }
  writeFileSync(join(backups, 'README'), 'not a backup');
  const j = job('prod-backup', { runsDir: join(dir, 'runs'), retention: { dir: backups, keep_last: 2 } });
  const now = () => new Date('2026-11-22T10:30:00Z');
  await jobRunner({ apply: fakeApply(j.runsDir, { status: 'failed', exitCode: 1 }).apply, now })(j, ctx());
  t.is(readdirSync(backups).length, 9, 'a failed run prunes nothing');
  const logs: string[] = [];
  await jobRunner({ apply: fakeApply(j.runsDir).apply, now })(j, ctx(logs));
  t.deepEqual(readdirSync(backups).sort(), ['README', names[1]!, `${names[1]}.sha256`, names[0]!, `${names[0]}.sha256`].sort());
  t.true(logs.some((l) => l.startsWith('prune ') && l.includes('"deleted":2')));
  t.false(existsSync(join(backups, names[3]!)));
});

test('apply flags of a job', (t) => {
  const flags = applyFlagsFor(job('x', { runsDir: '/ops/.runbook/runs', forks: 3, knownHosts: '/ops/known_hosts' }));
  t.like(flags, { forks: 3, knownHosts: '/ops/known_hosts', askBecomePass: false, acceptNewHostKeys: false, step: false, locksDir: undefined, scheduleTick: undefined });
});
