/**
 * Everything a run does is told as one of these events. Reporters (TTY tree, plain lines,
 * JSON lines, the run directory) only consume them, so a new output never touches the engine.
 * The JSON form is a stable, documented interface (docs/events.md): add fields, never rename.
 */
export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'ignored';
export type RollbackStepStatus = 'ok' | 'changed' | 'failed' | 'skipped';
export type Phase = 'preflight' | 'task' | 'handler' | 'rollback';

export interface HostRecap {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  ignored: number;
  rolled_back: number;
  rollback_failed: number;
  unreachable: boolean;
  /** one sentence: what this host is left with */
  state: string;
  /** why the host failed: the failed task (or rollback step) and its message, log lines included */
  failure?: string;
  /** tasks the operator declined at --step on this host, as the host reads their names */
  skipped_at_step?: string[];
}

interface Base {
  /** ISO time, set by the bus */
  time?: string;
}

export type RunEvent = Base &
  (
    | { type: 'run:start'; runId: string; playbook: string; inventory: string[]; hosts: string[]; check: boolean; runDir: string }
    | { type: 'host:connect'; host: string; ok: boolean; durationMs: number; error?: string }
    | { type: 'play:start'; play: string; playIndex: number; hosts: string[]; batches: string[][]; tasks: string[]; /** how many plays the run has */ plays?: number }
    | { type: 'preflight:start'; play: string; checks: string[] }
    | { type: 'preflight:check'; host: string; check: string; ok: boolean; message?: string }
    | { type: 'preflight:end'; play: string; ok: boolean; failures: number }
    | { type: 'confirm'; message: string; answer: 'yes' | 'no' | 'auto' }
    | { type: 'batch:start'; play: string; batch: number; batches: number; hosts: string[] }
    | { type: 'task:start'; phase: Phase; task: string; taskIndex: number; hosts: string[]; loc: string }
    | { type: 'host:start'; phase: Phase; task: string; taskIndex: number; host: string; item?: string }
    | { type: 'cmd'; host: string; task: string; command: string }
    /** `debug`: detail for -v and the record (e.g. a refused forward to a member that is down on purpose) */
    | { type: 'log'; host: string; task: string; line: string; level?: 'debug' }
    | { type: 'output'; host: string; task: string; stream: 'stdout' | 'stderr'; text: string }
    | {
        type: 'host:end';
        phase: Phase;
        task: string;
        taskIndex: number;
        host: string;
        status: TaskStatus;
        durationMs: number;
        msg?: string;
        rc?: number;
        stderr?: string;
        diff?: { path: string; before: string; after: string }[];
        /** a service started/stopped or a file written: what a stop half-way would leave */
        effect?: { service?: string; serviceState?: 'running' | 'stopped' | 'start failed'; file?: string; backup?: string };
      }
    | { type: 'task:end'; phase: Phase; task: string; taskIndex: number; durationMs: number; failedHosts: string[] }
    | {
        type: 'rollback:start';
        reason: string;
        hosts: string[];
        steps: number;
        /** per host and undone task (as named in rollback:step's `undoes`), the steps planned, in order */
        plan?: { host: string; undoes: string; task: string; steps: string[] }[];
      }
    | { type: 'rollback:step'; host: string; undoes: string; step: string; status: RollbackStepStatus; msg?: string; durationMs: number }
    | { type: 'rollback:end'; ok: boolean; hosts: Record<string, string>; cluster?: string }
    | { type: 'warning'; host?: string; message: string }
    | { type: 'run:end'; status: 'ok' | 'failed' | 'rolled_back' | 'rollback_failed' | 'refused' | 'interrupted'; exitCode: number; durationMs: number; recap: Record<string, HostRecap>; message?: string }
  );

export type RunEventType = RunEvent['type'];
export type EventOf<K extends RunEventType> = Extract<RunEvent, { type: K }>;
