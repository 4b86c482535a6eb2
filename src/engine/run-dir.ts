import { closeSync, fsyncSync, mkdirSync, openSync, readSync, fstatSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunEvent } from '../events/types.js';
import type { JournalRecord } from './journal.js';

/** `20261122T101502Z-3f9a`: sortable by time, unique across concurrent runs. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Every run leaves a record: `<root>/<run_id>/events.jsonl` (every event, secrets redacted, and
 * the journal records a `runbook rollback` needs to undo the run after its controller died:
 * engine/journal.ts) and `summary.json` (the recap), for `runbook history` and for
 * post-incident review.
 *
 * Lines are written synchronously, so a controller killed with kill -9 loses none it wrote;
 * `sync()` (before each step starts) makes them survive a power cut too.
 */
export class RunRecorder {
  readonly dir: string;
  private fd: number | undefined;

  constructor(root: string, runId: string) {
    this.dir = join(root, runId);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.fd = openSync(join(this.dir, 'events.jsonl'), 'a+', 0o600);
    // appending to the record of a killed run (`runbook rollback`): its last line may be cut off
    if (!endsWithNewline(this.fd)) writeSync(this.fd, '\n');
  }

  readonly listener = (e: RunEvent): void => {
    this.write(e);
  };

  /** a journal record, on disk before this returns */
  journal(record: JournalRecord): void {
    this.write(record);
    this.sync();
  }

  private write(value: unknown): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(value)}\n`);
  }

  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  /** close the record and leave it without a summary (an undo that was refused: the run stays unfinished) */
  async finishWithoutSummary(): Promise<void> {
    if (this.fd === undefined) return;
    this.sync();
    closeSync(this.fd);
    this.fd = undefined;
  }

  async finish(summary: unknown): Promise<void> {
    writeFileSync(join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
    if (this.fd === undefined) return;
    this.sync();
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function endsWithNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}
