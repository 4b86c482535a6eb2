/**
 * The markers a run leaves on the controller while it executes: the next apply on any of its
 * hosts refuses while the run is dead and unfinished; a live run, a finished run and another
 * cluster's run are not in the way; --ignore-unfinished goes on and says why in both records.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../../src/events/bus.js';
import type { RunEvent } from '../../../src/events/types.js';
import { guardUnfinished, UnfinishedRunError } from '../../../src/schedule/unfinished-guard.js';
import { findUnfinished, markUnfinished, type UnfinishedMarker } from '../../../src/schedule/unfinished-runs.js';
import { memoryInventory, play, shellTask } from '../engine/engine-fixture.js';

function setup(pid = 2 ** 22 + 12345) {
  const root = mkdtempSync(join(tmpdir(), 'runbook-unfinished-'));
  const stateDir = join(root, 'state');
  const runDir = join(root, 'runs', '20261204T100000Z-abcd');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'events.jsonl'), `${JSON.stringify({ type: 'host:start', phase: 'task', task: 'Restart etcd', taskIndex: 0, host: 'a' })}\n`);
  const marker: UnfinishedMarker = { runId: '20261204T100000Z-abcd', runDir, playbook: 'tune.yaml', user: 'alice', controller: hostname(), pid, since: '2026-12-04T10:00:00Z', hosts: ['a', 'b'] };
  return { stateDir, runDir, marker };
}

const inputs = (hosts: string[]) => ({ playbook: play([shellTask('x', 'x')]), inventory: memoryInventory(hosts) });

test('a dead run on any of the hosts refuses the next apply, naming it and runbook rollback', (t) => {
  const { stateDir, marker } = setup();
  markUnfinished(stateDir, ['host-a_22', 'host-b_22'], marker);
  const err = t.throws(() => guardUnfinished(inputs(['b', 'c']), { stateDir }, new EventBus()), { instanceOf: UnfinishedRunError });
  t.is(err?.exitCode, 7);
  t.regex(err?.message ?? '', /run 20261204T100000Z-abcd \(tune\.yaml, by alice@.*, on a, b\) never finished/);
  t.regex(err?.message ?? '', /started and never finished: a: Restart etcd/);
  t.regex(err?.hint ?? '', /runbook rollback 20261204T100000Z-abcd .*--ignore-unfinished "REASON"/);
  t.notThrows(() => guardUnfinished(inputs(['c']), { stateDir }, new EventBus()), 'another cluster is not in the way');
});

test('a run still alive on this controller, or one that finished, is not unfinished', (t) => {
  const live = setup(process.pid);
  markUnfinished(live.stateDir, ['host-a_22'], live.marker);
  t.deepEqual(findUnfinished(live.stateDir, ['host-a_22']), []);
  const done = setup();
  markUnfinished(done.stateDir, ['host-a_22'], done.marker);
  writeFileSync(join(done.runDir, 'events.jsonl'), `${JSON.stringify({ type: 'run:end', status: 'ok', exitCode: 0, durationMs: 1, recap: {} })}\n`, { flag: 'a' });
  t.deepEqual(findUnfinished(done.stateDir, ['host-a_22']), []);
  t.deepEqual(readdirSync(join(done.stateDir, 'unfinished')), [], 'the marker of a finished run is dropped');
});

test('--ignore-unfinished goes on, says so, records the reason in the dead run and drops its markers', (t) => {
  const { stateDir, runDir, marker } = setup();
  markUnfinished(stateDir, ['host-a_22', 'host-b_22'], marker);
  const bus = new EventBus();
  const seen: RunEvent[] = [];
  bus.on((e) => seen.push(e));
  guardUnfinished(inputs(['a']), { stateDir, ignoreReason: 'checked node1 by hand' }, bus);
  t.true(seen.some((e) => e.type === 'warning' && /going on despite run 20261204T100000Z-abcd .*\(--ignore-unfinished: checked node1 by hand\)/.test(e.message)));
  t.regex(readFileSync(join(runDir, 'ignored.json'), 'utf8'), /"reason": "checked node1 by hand"/);
  t.deepEqual(readdirSync(join(stateDir, 'unfinished')), []);
  t.notThrows(() => guardUnfinished(inputs(['a', 'b']), { stateDir }, new EventBus()));
});
