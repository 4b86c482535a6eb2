import test from 'ava';
import { EventEmitter } from 'node:events';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
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

/** a running daemon on a fresh file, with fake ticks and signals, that the test edits and stops */
async function daemonOn(file: string, watchFile: boolean) {
  const signals = new EventEmitter();
  const ticks = new ManualTicks();
  const lines: string[] = [];
  const ran: string[] = [];
  const done = runSchedules({
    file,
    ticks,
    watchFile,
    signals: signals as unknown as NodeJS.Process,
    log: (l) => lines.push(l),
    runJob: async (job) => {
      ran.push(`${job.name} ${job.cron}`);
      return { status: 'ok', exitCode: 0, durationMs: 1 };
    },
  });
  while (ticks.watching < 2) await new Promise((r) => setTimeout(r, 5));
  const logged = async (pattern: RegExp): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const line = lines.find((l) => pattern.test(l));
      if (line) return line;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no log line like ${pattern}:\n${lines.join('\n')}`);
  };
  const stop = async () => {
    signals.emit('SIGTERM');
    return done;
  };
  return { signals, ticks, lines, ran, logged, stop };
}

const EDITED = `jobs:
  - {name: a, playbook: pb.yaml, inventory: inv.yaml, cron: "*/7 * * * * *", yes: true}
  - {name: c, playbook: pb.yaml, inventory: inv.yaml, cron: "0 0 * * *", timezone: UTC}
`;

test('SIGHUP reads the file again: new jobs fire, removed ones stop, changed ones fire on their new schedule', async (t) => {
  const file = schedulesFile();
  const d = await daemonOn(file, false);
  writeFileSync(file, EDITED);
  d.signals.emit('SIGHUP');
  const line = await d.logged(/ reloaded /);
  t.regex(line, /why=SIGHUP jobs=2 added=c removed=b changed=a$/);
  t.is(d.ticks.watching, 2);
  d.ticks.fire('*/5 * * * * *', new Date('2026-11-22T10:00:00Z'));
  d.ticks.fire('0 */6 * * *', new Date('2026-11-22T12:00:00Z'));
  d.ticks.fire('*/7 * * * * *', new Date('2026-11-22T10:00:07Z'));
  d.ticks.fire('0 0 * * *', new Date('2026-11-23T00:00:00Z'));
  t.is(await d.stop(), 0);
  t.deepEqual(d.ran.sort(), ['a */7 * * * * *', 'c 0 0 * * *'], 'only the edited jobs ran, a on its new schedule');
  t.true(d.lines.some((l) => / unscheduled job=b/.test(l)));
  t.is(d.signals.listenerCount('SIGHUP'), 0);
});

test('a file that no longer loads is logged and the jobs stay as they were', async (t) => {
  const file = schedulesFile();
  const d = await daemonOn(file, false);
  writeFileSync(file, 'jobs:\n  - {name: a, cron: "not a cron"}\n');
  d.signals.emit('SIGHUP');
  const line = await d.logged(/ error /);
  t.regex(line, /why=SIGHUP msg="not reloaded, the jobs stay as they were: /);
  d.ticks.fire('*/5 * * * * *', new Date('2026-11-22T10:00:00Z'));
  t.is(await d.stop(), 0);
  t.deepEqual(d.ran, ['a */5 * * * * *']);
});

test('an edit of the file is picked up without a signal', async (t) => {
  const file = schedulesFile();
  const d = await daemonOn(file, true);
  // as `schedule add` writes: a temp file renamed over the old one
  writeFileSync(`${file}.tmp`, EDITED);
  renameSync(`${file}.tmp`, file);
  const line = await d.logged(/ reloaded /);
  t.regex(line, /why="the file changed" jobs=2 added=c removed=b changed=a$/);
  t.is(await d.stop(), 0);
});
