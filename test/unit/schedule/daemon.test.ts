import test from 'ava';
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSchedules } from '../../../src/schedule/daemon.js';
import type { JobOutcome, RunJobContext } from '../../../src/schedule/scheduler.js';
import { deferred, ManualTicks } from './fixtures.js';

function schedulesFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'daemon-'));
  const file = join(dir, 'runbook.schedules.yaml');
  writeFileSync(
    file,
    `jobs:
  - {name: a, playbook: pb.yaml, inventory: inv.yaml, cron: "*/5 * * * * *", yes: true}
  - {name: b, playbook: pb.yaml, inventory: inv.yaml, cron: "0 */6 * * *", timezone: UTC}
`,
  );
  return file;
}

test('SIGTERM: no new runs, the running one finishes, then exit 0; a second signal aborts it', async (t) => {
  const signals = new EventEmitter();
  const ticks = new ManualTicks();
  const lines: string[] = [];
  const finish = deferred<JobOutcome>();
  let ctxOfRun: RunJobContext | undefined;
  let runs = 0;
  const done = runSchedules({
    file: schedulesFile(),
    ticks,
    signals: signals as unknown as NodeJS.Process,
    log: (l) => lines.push(l),
    runJob: async (_job, ctx) => {
      runs++;
      ctxOfRun = ctx;
      return finish.promise;
    },
  });
  while (ticks.watching < 2) await new Promise((r) => setTimeout(r, 5));
  ticks.fire('*/5 * * * * *', new Date('2026-11-22T10:00:00Z'));
  signals.emit('SIGTERM');
  ticks.fire('0 */6 * * *', new Date('2026-11-22T12:00:00Z'));
  let exited: number | undefined;
  void done.then((c) => (exited = c));
  await new Promise((r) => setTimeout(r, 20));
  t.is(exited, undefined, 'still waiting for the running run');
  t.is(runs, 1, 'no run started after the signal');
  signals.emit('SIGINT');
  t.true(ctxOfRun!.signal.aborted, 'the second signal aborts the running run');
  finish.resolve({ status: 'failed', exitCode: 130, durationMs: 5, runStatus: 'interrupted' });
  t.is(await done, 0);
  t.true(lines.some((l) => l.includes(' signal ') && l.includes('stopping')));
  t.true(lines.some((l) => l.includes(' stopped')));
  t.is(signals.listenerCount('SIGTERM'), 0);
});

test('--once runs one job now and exits with its result', async (t) => {
  const ticks: Date[] = [];
  const code = await runSchedules({
    file: schedulesFile(),
    once: 'b',
    signals: new EventEmitter() as unknown as NodeJS.Process,
    log: () => undefined,
    now: () => new Date('2026-11-22T10:30:00Z'),
    runJob: async (_j, ctx) => {
      ticks.push(ctx.tick);
      return { status: 'failed', exitCode: 3, durationMs: 1 };
    },
  });
  t.is(code, 3);
  t.is(ticks[0]!.toISOString(), '2026-11-22T10:30:00.000Z');
});

test('--once --due stands for the latest scheduled tick; a tick another scheduler took exits 0', async (t) => {
  const ticks: Date[] = [];
  const code = await runSchedules({
    file: schedulesFile(),
    once: 'b',
    due: true,
    signals: new EventEmitter() as unknown as NodeJS.Process,
    log: () => undefined,
    now: () => new Date('2026-11-22T10:30:00Z'),
    runJob: async (_j, ctx) => {
      ticks.push(ctx.tick);
      return { status: 'skipped', exitCode: 75, durationMs: 1, message: 'held' };
    },
  });
  t.is(code, 0);
  t.is(ticks[0]!.toISOString(), '2026-11-22T06:00:00.000Z');
});

test('an unknown job or an empty file is a configuration error', async (t) => {
  await t.throwsAsync(runSchedules({ file: schedulesFile(), once: 'c', signals: new EventEmitter() as unknown as NodeJS.Process }), { message: /no job "c"/ });
  const dir = mkdtempSync(join(tmpdir(), 'daemon-'));
  writeFileSync(join(dir, 'empty.yaml'), 'jobs: []\n');
  await t.throwsAsync(runSchedules({ file: join(dir, 'empty.yaml'), signals: new EventEmitter() as unknown as NodeJS.Process }), { message: /has no jobs/ });
});
