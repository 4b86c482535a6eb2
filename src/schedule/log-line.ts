/**
 * The scheduler's log: one line per event, `<time> <event> key=value ...` (logfmt values),
 * easy to read in `journalctl -u runbook-*` and easy to grep or parse.
 *
 *   2026-11-22T10:15:02Z start job=prod-backup run=20261122T101502Z-3f9a tick=2026-11-22T10:15:00Z
 */
export type LogFields = Record<string, string | number | undefined>;

function value(v: string | number): string {
  const s = String(v);
  return /^[^\s"=\\]+$/.test(s) ? s : JSON.stringify(s);
}

export function logLine(time: Date, event: string, fields: LogFields = {}): string {
  const stamp = time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const kv = Object.entries(fields)
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${value(v)}`);
  return [stamp, event, ...kv].join(' ');
}
