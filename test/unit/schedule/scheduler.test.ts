import test from 'ava';
import { Scheduler, type JobOutcome, type RunJob } from '../../../src/schedule/scheduler.js';
import { cronTicks } from '../../../src/schedule/cron-ticks.js';
import { deferred, job, ManualTicks } from './fixtures.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, s));
const ok = (runId: string): JobOutcome => ({ status: 'ok', exitCode: 0, runId, durationMs: 4200, runStatus: 'ok' });

function harness(runJob: RunJob) {
  const lines: string[] = [];
  const ticks = new ManualTicks();
  const overlaps: string[] = [];
  const scheduler = new Scheduler({
    jobs: [job('backup', { cron: 'A' }), job('other', { cron: 'B' })],
    runJob,
    ticks,
    log: (l) => lines.push(l),
    now: () => new Date('2026-11-22T10:00:00Z'),
    onOverlap: (j, t) => void overlaps.push(`${j.name}@${t.toISOString()}`),
  });
  scheduler.start();
  return { scheduler, ticks, lines, overlaps };
}

test('a tick while the job still runs is skipped and logged; other jobs are not held up', async (t) => {
  const finish = deferred<JobOutcome>();
  const started: string[] = [];
  const { ticks, lines, overlaps, scheduler } = harness(async (j, ctx) => {
    started.push(`${j.name}@${ctx.tick.toISOString()}`);
    ctx.started(`run-${j.name}-${ctx.tick.getUTCSeconds()}`);
    return j.name === 'backup' ? finish.promise : ok('run-other');
  });
  ticks.fire('A', at(0));
  ticks.fire('A', at(5));
  ticks.fire('B', at(5));
  ticks.fire('A', at(10));
  t.deepEqual(started, ['backup@2026-11-22T10:00:00.000Z', 'other@2026-11-22T10:00:05.000Z']);
  t.deepEqual(overlaps, ['backup@2026-11-22T10:00:05.000Z', 'backup@2026-11-22T10:00:10.000Z']);
  const skips = lines.filter((l) => l.includes(' skip '));
  t.is(skips.length, 2);
  t.regex(skips[0]!, /skip job=backup tick=2026-11-22T10:00:05.000Z reason="the previous run run-backup-0 \(tick 2026-11-22T10:00:00.000Z\) is still running since/);
  finish.resolve(ok('run-backup-0'));
  await scheduler.idle();
  ticks.fire('A', at(15));
  await scheduler.idle();
  t.deepEqual(started.filter((s) => s.startsWith('backup')), ['backup@2026-11-22T10:00:00.000Z', 'backup@2026-11-22T10:00:15.000Z']);
});

test('one line per run start and end, with job, run id, status and duration', async (t) => {
  const { ticks, lines, scheduler } = harness(async (_j, ctx) => {
    ctx.started('20261122T100000Z-abcd');
    return ok('20261122T100000Z-abcd');
  });
  ticks.fire('A', at(0));
  await scheduler.idle();
  t.deepEqual(lines.filter((l) => / (start|end) /.test(l)), [
    '2026-11-22T10:00:00Z start job=backup run=20261122T100000Z-abcd tick=2026-11-22T10:00:00.000Z',
    '2026-11-22T10:00:00Z end job=backup run=20261122T100000Z-abcd status=ok exit=0 duration=4.2s',
  ]);
});

test('a failed run and a crashing runner are logged and the job keeps its schedule', async (t) => {
  let n = 0;
  const { ticks, lines, scheduler } = harness(async () => {
    n++;
    if (n === 1) return { status: 'failed', exitCode: 3, runId: 'r1', durationMs: 900, runStatus: 'refused', message: 'preflight failed, nothing was changed:\n  node2: disk: full' };
    if (n === 2) throw new Error('boom');
    return ok('r3');
  });
  for (const s of [0, 5, 10]) {
    ticks.fire('A', at(s));
    await scheduler.idle();
  }
  const ends = lines.filter((l) => l.includes(' end '));
  t.is(ends.length, 3);
  t.regex(ends[0]!, /end job=backup run=r1 status=refused exit=3 duration=0.9s msg="preflight failed, nothing was changed:\\n  node2: disk: full"/);
  t.regex(ends[1]!, /end job=backup run=- status=failed exit=1 .* msg="the run crashed: Error: boom/);
  t.regex(ends[2]!, /status=ok/);
  t.is(ticks.watching, 2, 'still scheduled');
});

test('a run another scheduler had is logged as a skip, not an end', async (t) => {
  const { ticks, lines, scheduler } = harness(async () => ({ status: 'skipped', exitCode: 75, durationMs: 10, message: 'another run holds the lock prod--etcd' }));
  ticks.fire('A', at(0));
  await scheduler.idle();
  t.true(lines.some((l) => /skip job=backup .*reason="another run holds the lock prod--etcd"/.test(l)));
  t.false(lines.some((l) => l.includes(' end ')));
});

test('stop takes no new runs and resolves only when the running one has ended', async (t) => {
  const finish = deferred<JobOutcome>();
  let aborted = false;
  const { ticks, lines, scheduler } = harness(async (_j, ctx) => {
    ctx.signal.addEventListener('abort', () => (aborted = true));
    return finish.promise;
  });
  ticks.fire('A', at(0));
  let stopped = false;
  const stopping = scheduler.stop().then(() => (stopped = true));
  ticks.fire('B', at(1));
  await new Promise((r) => setTimeout(r, 20));
  t.false(stopped);
  t.is(ticks.watching, 0, 'timers stopped');
  t.false(lines.some((l) => l.includes('job=other') && l.includes(' start ')));
  t.false(aborted, 'waiting is not aborting');
  finish.resolve(ok('r'));
  await stopping;
  t.true(stopped);
});

test('abortRunning hands the running runs an aborted signal', async (t) => {
  const { ticks, scheduler } = harness(
    (_j, ctx) =>
      new Promise<JobOutcome>((resolve) => {
        ctx.signal.addEventListener('abort', () => resolve({ status: 'failed', exitCode: 130, durationMs: 1, runStatus: 'interrupted' }));
      }),
  );
  const run = scheduler.tick(job('backup', { cron: 'A' }), at(0));
  void ticks;
  scheduler.abortRunning();
  t.is((await run)?.runStatus, 'interrupted');
});

test('real cron ticks carry their scheduled second', async (t) => {
  const seen: Date[] = [];
  const watch = cronTicks().watch({ cron: '* * * * * *' }, (d) => seen.push(d));
  const deadline = Date.now() + 5000;
  while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  watch.stop();
  t.true(seen.length >= 2, `${seen.length} ticks`);
  for (const d of seen) t.is(d.getMilliseconds(), 0);
  t.is(seen[1]!.getTime() - seen[0]!.getTime(), 1000);
});

test('real cron ticks: a clock that jumps ahead fires the due tick once, not every missed one', (t) => {
  let now = Date.parse('2026-11-22T10:00:00.500Z');
  const seen: string[] = [];
  const realSetTimeout = globalThis.setTimeout;
  const timers: (() => void)[] = [];
  globalThis.setTimeout = ((fn: () => void) => {
    timers.push(fn);
    return 0 as unknown as NodeJS.Timeout;
  }) as typeof setTimeout;
  try {
    const watch = cronTicks(() => now).watch({ cron: '*/5 * * * * *', timezone: 'UTC' }, (d) => seen.push(d.toISOString()));
    now = Date.parse('2026-11-22T10:01:02Z');
    timers.shift()!();
    watch.stop();
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  t.deepEqual(seen, ['2026-11-22T10:00:05.000Z']);
});
