import type { RunEvent } from '../events/types.js';

/** `--output json`: one event per line, the schema in docs/events.md. */
export function jsonReporter(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): (e: RunEvent) => void {
  return (e) => write(JSON.stringify(e));
}
