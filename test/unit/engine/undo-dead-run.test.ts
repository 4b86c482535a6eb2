/**
 * A run whose controller "dies" (its step 3 never returns, and the run is abandoned there) is
 * undone from its journal alone by undoDeadRun, on fresh connections: the same undo, newest
 * first, as an in-process rollback; the step cut off is undone only when its undo is safe to
 * run twice; facts come back from the journal; secrets never go into it.
 */
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedPrompter, NoTtyPrompter } from '../../../src/engine/confirm.js';
import { readJournal } from '../../../src/engine/orphan-rollback.js';
import { runPlaybook, type ConnectedHosts } from '../../../src/engine/run.js';
import { undoDeadRun } from '../../../src/engine/undo-dead-run.js';
import { EventBus } from '../../../src/events/bus.js';
import type { RunEvent } from '../../../src/events/types.js';
import type { Playbook } from '../../../src/playbook/types.js';
import type { ExecResult } from '../../../src/transport/types.js';
import { memoryInventory, play, RecordingHost, shellTask } from './engine-fixture.js';

/** a host whose command matching `hang` never returns: the controller is gone from then on */
class DyingHost extends RecordingHost {
  constructor(
    host: string,
    private readonly hang: RegExp,
  ) {
    super(host);
  }
  override async exec(line: string): Promise<ExecResult> {
    if (this.hang.test(line)) {
      this.log.push(line.replace(/^\/bin\/sh -c '?|'$/g, ''));
      return new Promise<ExecResult>(() => undefined);
    }
    return super.exec(line);
  }
}

const connector = (hosts: Map<string, RecordingHost>) => async (): Promise<ConnectedHosts> => ({
  failures: new Map(),
  get: async (h) => hosts.get(h)!,
  becomeFor: () => ({ loginUser: 'root' }),
  closeAll: async () => {},
});

async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** run `pb` until every host is in the step matching `hang`, then read what its record holds */
async function dieIn(pb: Playbook, names: string[], hang: RegExp, extraVars = {}) {
  const root = mkdtempSync(join(tmpdir(), 'runbook-dead-'));
  const hosts = new Map(names.map((h) => [h, new DyingHost(h, hang) as RecordingHost]));
  void runPlaybook({
    playbook: pb,
    inventory: memoryInventory(names),
    inventorySources: ['memory'],
    extraVars,
    options: { check: false, diff: false, forks: 10, yes: true, step: false, tags: [], skipTags: [] },
    runsRoot: root,
    prompter: new ScriptedPrompter(),
    bus: new EventBus(),
    connect: connector(hosts),
  });
  await until('every host in the step that hangs', () => [...hosts.values()].every((h) => h.log.some((l) => hang.test(l))));
  const [runId] = readdirSync(root);
  const runDir = join(root, runId!);
  const text = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
  const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
  return { runDir, text, reading: readJournal(lines), killedHosts: hosts };
}

async function undo(pb: Playbook, names: string[], dead: Awaited<ReturnType<typeof dieIn>>, extraVars = {}, yes = true) {
  const fresh = new Map(names.map((h) => [h, new RecordingHost(h)]));
  const events: RunEvent[] = [];
  const bus = new EventBus();
  bus.on((e) => events.push(e));
  const summary = await undoDeadRun({
    reading: { ...dead.reading, start: dead.reading.start! },
    runDir: dead.runDir,
    playbook: pb,
    inventory: memoryInventory(names),
    extraVars,
    yes,
    prompter: yes ? new ScriptedPrompter() : new NoTtyPrompter(),
    bus,
    connect: connector(fresh),
  });
  return { summary, events, hosts: fresh };
}

const undoable = (n: number, extra = {}) => shellTask(`step ${n}`, `do ${n}`, { rollback: [shellTask(`undo ${n}`, `undo ${n}`)], ...extra });

test('every completed step is undone newest first on every host, as an in-process rollback would; the cut-off step is reported', async (t) => {
  const pb = play([undoable(1), undoable(2), undoable(3), shellTask('step 4', 'do 4')]);
  const dead = await dieIn(pb, ['a', 'b'], /do 3/);
  t.truthy(dead.reading.start, 'the journal has its start record');
  t.is(dead.reading.end, undefined);
  const { summary, hosts, events } = await undo(pb, ['a', 'b'], dead);
  for (const h of ['a', 'b']) t.deepEqual(hosts.get(h)!.log, ['undo 2', 'undo 1'], h);
  t.is(summary.status, 'rollback_failed');
  t.is(summary.exitCode, 6, 'a step left to a human is an incomplete rollback');
  t.regex(summary.message ?? '', /a: "step 3" was running when the controller died: .*no(t marked)? .*Check by hand what it does \(do 3\); its undo would be: undo 3/s);
  t.regex(summary.recap.a!.state, /CHECK BY HAND/);
  const confirm = events.find((e) => e.type === 'confirm');
  t.regex(confirm && confirm.type === 'confirm' ? confirm.message : '', /a: undo "step 2": undo 2\n {2}b: undo "step 2"|b: undo "step 2": undo 2\n {2}a: undo "step 2"/);
  // the record is finished now: history and the next apply see the run as undone
  const after = readJournal(readFileSync(join(dead.runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown));
  t.is(after.end?.status, 'rollback_failed');
});

test('a step cut off whose undo is safe to run twice (rollback_idempotent) is undone first', async (t) => {
  const pb = play([undoable(1), undoable(2), undoable(3, { rollback_idempotent: true }), shellTask('step 4', 'do 4')]);
  const dead = await dieIn(pb, ['a', 'b'], /do 3/);
  const { summary, hosts } = await undo(pb, ['a', 'b'], dead);
  for (const h of ['a', 'b']) t.deepEqual(hosts.get(h)!.log, ['undo 3', 'undo 2', 'undo 1'], h);
  t.is(summary.status, 'rolled_back');
  t.is(summary.exitCode, 0);
});

test('a step cut off that only reads needs nothing; the play rollback runs on every host the play touched', async (t) => {
  const pb = play([undoable(1), shellTask('wait', 'wait', { check_mode: false }), shellTask('step 3', 'do 3')], { rollback: [shellTask('cleanup', 'cleanup')] });
  pb.plays[0]!.tasks[1] = { ...pb.plays[0]!.tasks[1]!, module: 'wait_for', args: { timeout: 1, path: '/x' } };
  const dead = await dieIn(pb, ['a'], /\/x/);
  const { summary, hosts } = await undo(pb, ['a'], dead);
  t.deepEqual(hosts.get('a')!.log, ['undo 1', 'cleanup']);
  t.is(summary.status, 'rolled_back', summary.message);
});

test('the undo reads the facts the run had registered, from the journal', async (t) => {
  const pb = play([
    shellTask('read', 'read it', { register: 'seen' }),
    shellTask('step 1', 'do 1', { rollback: [shellTask('undo 1', 'undo {{ seen.stdout | trim }} {{ colour }}')] }),
    shellTask('step 2', 'do 2'),
  ]);
  const dead = await dieIn(pb, ['a'], /do 2/, { colour: 'blue' });
  const { hosts } = await undo(pb, ['a'], dead, { colour: 'blue' });
  t.deepEqual(hosts.get('a')!.log, ['undo ok blue']);
});

test('secrets never go into the journal: -e secrets and what no_log tasks read or set are withheld by name', async (t) => {
  const pb = play([
    shellTask('login', 'login {{ db_password }}', { register: 'token_out' }),
    shellTask('hidden', 'use {{ session_blob }}', { no_log: true, register: 'hidden_out' }),
    undoable(1),
    shellTask('step 2', 'do 2'),
  ]);
  const dead = await dieIn(pb, ['a'], /do 2/, { db_password: 'pw-journal-1', session_blob: 'blob-journal-2' });
  t.false(dead.text.includes('pw-journal-1'));
  t.false(dead.text.includes('blob-journal-2'));
  t.deepEqual(dead.reading.start!.withheldVars.sort(), ['db_password', 'session_blob']);
  t.true(dead.reading.withheldFacts.get('a')!.includes('hidden_out'));
  t.false('hidden_out' in (dead.reading.facts.get('a') ?? {}));
});

test('without a terminal and without --yes the undo is refused and the run stays unfinished', async (t) => {
  const pb = play([undoable(1), undoable(2)]);
  const dead = await dieIn(pb, ['a'], /do 2/);
  const { summary, hosts } = await undo(pb, ['a'], dead, {}, false);
  t.is(summary.exitCode, 5);
  t.deepEqual(hosts.get('a')!.log, []);
  const after = readJournal(readFileSync(join(dead.runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown));
  t.is(after.end, undefined, 'no run:end: the run is still unfinished');
  t.false(readdirSync(dead.runDir).includes('summary.json'));
});
