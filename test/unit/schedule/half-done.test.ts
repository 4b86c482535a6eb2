import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../../src/events/types.js';
import { describeHalfDone, halfDoneFromEvents } from '../../../src/schedule/half-done.js';

const start = (host: string, task: string, taskIndex: number): RunEvent => ({ type: 'host:start', phase: 'task', task, taskIndex, host });
const end = (host: string, task: string, taskIndex: number, status: 'ok' | 'changed' = 'changed'): RunEvent => ({ type: 'host:end', phase: 'task', task, taskIndex, host, status, durationMs: 1 });

test('tasks started and not ended, and changes no rollback step undid', (t) => {
  const events: RunEvent[] = [
    start('node1', 'Write etcd.conf', 0),
    start('node2', 'Write etcd.conf', 0),
    end('node1', 'Write etcd.conf', 0),
    end('node2', 'Write etcd.conf', 0),
    start('node1', 'Restart etcd on node1', 1),
    end('node1', 'Restart etcd on node1', 1),
    start('node2', 'Restart etcd on node2', 1),
    { type: 'rollback:step', host: 'node1', undoes: 'Restart etcd on {{ inventory_hostname }}', step: 'restart', status: 'ok', durationMs: 1 },
  ];
  const h = halfDoneFromEvents(events);
  t.false(h.finished);
  t.deepEqual(h.unfinished, ['node2: Restart etcd on node2']);
  t.deepEqual(h.notUndone, ['node1: Write etcd.conf', 'node2: Write etcd.conf']);
});

test('the paragraph for the warning, from the run directory; a cut-off last line is skipped', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'half-'));
  writeFileSync(join(dir, 'events.jsonl'), `${[start('node2', 'Write etcd.conf', 0), end('node2', 'Write etcd.conf', 0), start('node2', 'Restart', 1)].map((e) => JSON.stringify(e)).join('\n')}\n{"type":"host:e`);
  const text = describeHalfDone(dir)!;
  t.regex(text, /stopped before it finished\. started and never finished: node2: Restart\. changed and never rolled back: node2: Write etcd\.conf/);
  writeFileSync(join(dir, 'events.jsonl'), `${JSON.stringify({ type: 'run:end', status: 'ok', exitCode: 0, durationMs: 1, recap: {} })}\n`);
  t.regex(describeHalfDone(dir)!, /had finished/);
  t.is(describeHalfDone(join(dir, 'missing')), undefined);
});
