/**
 * The last lines a service wrote, to say why it failed to start: a failed start that only says
 * "systemctl start etcd failed" sends the operator to the host to find out.
 *
 * Where the lines are depends on what runs the service, so the caller names the source:
 *   { unit }      journalctl -u UNIT on systemd; where there is no journal (the systemctl
 *                 replacement of containers and the test sandbox), /var/log/journal/UNIT.service.log
 *   { file }      one log file
 *   { podGlob }   a static pod's container logs, /var/log/pods/<namespace>_<pod>_<uid>/<container>/N.log
 * Best effort: a source that cannot be read gives no lines, never an error of its own.
 */
import { quote } from '../../transport/shell-quote.js';
import type { ModuleContext } from '../types.js';
import { execOnHost } from './exec.js';

export type LogSource = { unit: string } | { file: string } | { podGlob: string };

const MAX_LINE = 300;

export function logTailCommand(source: LogSource, lines: number): string {
  const n = String(Math.max(1, Math.floor(lines)));
  if ('unit' in source) {
    const unit = source.unit.includes('.') ? source.unit : `${source.unit}.service`;
    const file = quote(`/var/log/journal/${unit}.log`);
    return `if command -v journalctl >/dev/null 2>&1; then journalctl -u ${quote(unit)} -n ${n} --no-pager -o cat 2>/dev/null; elif [ -r ${file} ]; then tail -n ${n} ${file}; fi`;
  }
  if ('file' in source) return `tail -n ${n} ${quote(source.file)} 2>/dev/null`;
  // the newest file of the pods that match; the glob is the caller's, quoted parts and all
  return `f=$(ls -t ${source.podGlob} 2>/dev/null | head -n 1); [ -n "$f" ] && tail -n ${n} "$f"`;
}

/** the source's last `lines` lines, each cut to a readable length; [] when there are none */
export async function logTail(ctx: ModuleContext, source: LogSource, lines = 10): Promise<string[]> {
  try {
    const r = await execOnHost(ctx, logTailCommand(source, lines), { timeoutMs: 10_000 });
    return r.stdout
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean)
      .slice(-lines)
      .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}...` : l));
  } catch {
    return [];
  }
}

/** `msg` with the log lines under it, for a task's failure */
export function withLogTail(msg: string, lines: string[], what: string): string {
  return lines.length ? `${msg}\nlast lines of ${what}:\n${lines.map((l) => `  ${l}`).join('\n')}` : msg;
}
