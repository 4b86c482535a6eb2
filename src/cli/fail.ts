import { RunbookError, exitCodeOf } from '../errors.js';

/** Print an error the way an operator needs it (what, where, what to do) and exit with its code. */
export function fail(err: unknown): never {
  if (err instanceof RunbookError) {
    process.stderr.write(`runbook: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
  } else {
    process.stderr.write(`runbook: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(exitCodeOf(err));
}
