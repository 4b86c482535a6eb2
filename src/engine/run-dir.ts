import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunEvent } from '../events/types.js';

/** `20261122T101502Z-3f9a`: sortable by time, unique across concurrent runs. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Every run leaves a record: `<root>/<run_id>/events.jsonl` (every event, secrets redacted)
 * and `summary.json` (the recap), for `runbook history` and for post-incident review.
 */
export class RunRecorder {
  readonly dir: string;
  private readonly stream: WriteStream;

  constructor(root: string, runId: string) {
    this.dir = join(root, runId);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.stream = createWriteStream(join(this.dir, 'events.jsonl'), { flags: 'a', mode: 0o600 });
  }

  readonly listener = (e: RunEvent): void => {
    this.stream.write(`${JSON.stringify(e)}\n`);
  };

  async finish(summary: unknown): Promise<void> {
    writeFileSync(join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}
