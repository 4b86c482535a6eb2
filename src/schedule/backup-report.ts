/**
 * How a backup playbook tells the scheduler what it took: its last task is a `debug` whose
 * message is a JSON object with a `backup` key (docs/scheduling.md, "Backup report"):
 *
 *   - name: report the backup
 *     debug:
 *       msg: {backup: {path: "{{ snap_path }}", size: "{{ snap_size }}", revision: "{{ snap_rev }}", keys: "{{ snap_keys }}"}}
 *
 * The debug module prints a mapping as JSON, so the message reaches `host:end` (and
 * events.jsonl) as text this module can parse. A JSON string message works too. Numbers may
 * arrive as strings after templating; they are read either way. The last report of a run wins.
 */
import type { RunEvent } from '../events/types.js';

export interface BackupReport {
  path: string;
  size?: number;
  revision?: number;
  keys?: number;
  /** inventory host that reported it */
  host?: string;
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function fromObject(o: unknown): BackupReport | undefined {
  if (!o || typeof o !== 'object') return undefined;
  const b = (o as { backup?: unknown }).backup;
  if (!b || typeof b !== 'object') return undefined;
  const r = b as Record<string, unknown>;
  if (typeof r.path !== 'string' || r.path === '') return undefined;
  return { path: r.path, size: num(r.size), revision: num(r.revision), keys: num(r.keys) };
}

/** a report in one task message: the whole message as JSON, or one line of it that is */
export function backupFromMessage(msg: string): BackupReport | undefined {
  const text = msg.trim();
  if (!text.includes('"backup"')) return undefined;
  const attempts = [text, ...text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'))];
  for (const a of attempts) {
    try {
      const found = fromObject(JSON.parse(a));
      if (found) return found;
    } catch {
      // not JSON; try the next candidate
    }
  }
  return undefined;
}

/** the last backup report among a run's events */
export function backupFromEvents(events: Iterable<RunEvent>): BackupReport | undefined {
  let last: BackupReport | undefined;
  for (const e of events) {
    if (e.type !== 'host:end' || e.phase !== 'task' || e.status === 'failed' || !e.msg) continue;
    const r = backupFromMessage(e.msg);
    if (r) last = { ...r, host: e.host };
  }
  return last;
}
