import type { EventOf, RunEvent, RunEventType } from '../events/types.js';
import { recapText } from './recap-text.js';

export interface PlainOptions {
  /** 1: show commands; 2: also their output */
  verbosity: number;
  write?: (line: string) => void;
}

type Formatter = { [K in RunEventType]: (e: EventOf<K>, o: PlainOptions) => string | null };

const PHASE_LABEL: Record<EventOf<'task:start'>['phase'], string> = { preflight: 'CHECK', task: 'TASK', handler: 'HANDLER', rollback: 'UNDO' };

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}s` : `${n}ms`);

/**
 * One plain line per event, for CI logs and pipes. The formatter map covers every event kind,
 * so adding an event without deciding how it prints does not compile.
 */
export const plainFormat: Formatter = {
  'run:start': (e) => `runbook ${e.check ? '--check ' : ''}run ${e.runId}: ${e.playbook} on ${e.hosts.length} host(s) [record: ${e.runDir}]`,
  'host:connect': (e) => (e.ok ? `connect  ${e.host} ok (${ms(e.durationMs)})` : `connect  ${e.host} FAILED: ${e.error}`),
  'play:start': (e) => `\nPLAY [${e.play}] hosts: ${e.hosts.join(', ')}`,
  'preflight:start': (e) => `\nPREFLIGHT [${e.play}] ${e.checks.length} check(s)`,
  'preflight:check': () => null,
  'preflight:end': (e) => (e.ok ? `preflight passed` : `preflight FAILED: ${e.failures} check(s) failed; nothing was changed`),
  confirm: (e) => (e.answer === 'auto' ? `confirmed by --yes` : `confirmation: ${e.answer}`),
  'batch:start': (e) => (e.batches > 1 ? `\nBATCH ${e.batch}/${e.batches}: ${e.hosts.join(', ')}` : null),
  'task:start': (e) => `${PHASE_LABEL[e.phase]} [${e.task}]${e.loc ? ` (${e.loc})` : ''}`,
  'host:start': () => null,
  cmd: (e, o) => (o.verbosity >= 1 ? `  ${e.host} $ ${e.command}` : null),
  log: (e, o) => (e.level === 'debug' && o.verbosity < 1 ? null : `  ${e.host} | ${e.line}`),
  output: (e, o) => (o.verbosity >= 2 ? e.text.replace(/\n$/, '').split('\n').map((l) => `  ${e.host} ${e.stream === 'stderr' ? '!' : '>'} ${l}`).join('\n') : null),
  'host:end': (e) => {
    const status = e.status === 'failed' ? 'FAILED' : e.status;
    const detail = e.status === 'failed' ? `: ${e.msg ?? ''}${e.stderr ? ` | ${e.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}` : e.status === 'skipped' && e.msg ? ` (${e.msg})` : '';
    const diff = e.diff?.length ? `\n${e.diff.map((d) => unifiedish(d)).join('\n')}` : '';
    return `  ${status.padEnd(7)} ${e.host} (${ms(e.durationMs)})${detail}${diff}`;
  },
  'task:end': () => null,
  'rollback:start': (e) => `\nROLLBACK: ${e.reason}\n  undoing ${e.steps} step(s) on ${e.hosts.join(', ')}, newest first`,
  'rollback:step': () => null,
  // each host's state is said once, in the recap
  'rollback:end': (e) => `rollback ${e.ok ? 'complete' : 'INCOMPLETE'}${e.cluster ? `: ${e.cluster}` : ''}`,
  warning: (e) => `WARNING${e.host ? ` ${e.host}` : ''}: ${e.message}`,
  'run:end': (e) => recapText(e),
};

function unifiedish(d: { path: string; before: string; after: string }): string {
  const before = d.before.split('\n');
  const after = d.after.split('\n');
  const out = [`    --- ${d.path} (before)`, `    +++ ${d.path} (after)`];
  const max = Math.max(before.length, after.length);
  for (let i = 0; i < max; i++) {
    if (before[i] === after[i]) continue;
    if (before[i] !== undefined) out.push(`    -${before[i]}`);
    if (after[i] !== undefined) out.push(`    +${after[i]}`);
  }
  return out.join('\n');
}

export function plainReporter(opts: PlainOptions): (e: RunEvent) => void {
  const write = opts.write ?? ((l: string) => process.stdout.write(`${l}\n`));
  return (e) => {
    const line = (plainFormat[e.type] as (e: RunEvent, o: PlainOptions) => string | null)(e, opts);
    if (line !== null) write(line);
  };
}
