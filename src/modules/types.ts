import type { z } from 'zod';
import type { Become, Transport } from '../transport/types.js';

/** A before/after view of one file, for `--diff`. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
}

/**
 * What a module reports. Registered with `register:` as
 * `{changed, failed, skipped, rc, stdout, stderr, stdout_lines, stderr_lines, msg, ...data}`.
 */
export interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  rc?: number;
  stdout?: string;
  stderr?: string;
  diff?: FileDiff[];
  /** variables this host gains (set_fact, etcd_status) */
  facts?: Record<string, unknown>;
  /** module-specific result fields, merged into the registered value */
  data?: Record<string, unknown>;
  /**
   * what the operator must know even though the task succeeded (e.g. a database near its
   * quota): each becomes a `warning` event, printed in every output mode
   */
  warnings?: string[];
}

/** Everything a module may use. Passed explicitly: no hidden global host. */
export interface ModuleContext {
  /** inventory name of the host the task runs for */
  host: string;
  /** all variables visible to this task on this host (already merged by precedence) */
  vars: Record<string, unknown>;
  /** connection to the host the task runs on (the delegate when delegate_to is set) */
  transport: Transport;
  /** privilege escalation for this task; pass it to exec/put */
  become: Become | false;
  /** report what would change, change nothing */
  check: boolean;
  /** produce before/after diffs of file edits */
  diff: boolean;
  runId: string;
  /** aborted on Ctrl-C or when the run is failing: stop promptly */
  signal: AbortSignal;
  /** per-command timeout from the task's `timeout:` */
  timeoutMs?: number;
  /** a progress line shown under the task (e.g. bytes copied) */
  log(line: string): void;
  /** a detail shown only with -v (and kept in the record): what is expected noise in a good run */
  debug?(line: string): void;
  /** connection to any other inventory host (for distribute from a host, delegate_to) */
  transportFor(host: string): Promise<Transport>;
  /** variables of another inventory host */
  hostVarsOf(host: string): Record<string, unknown>;
  /** ask the operator; rejects when there is no TTY */
  prompt(question: string): Promise<string>;
  /** a directory on the controller for this run's files (fetch, snapshots) */
  runDir: string;
  /**
   * true when `text` must not appear in a process list on the host (the task is no_log, or the
   * text holds a known secret); a module that nests a shell uses it to send its script on stdin
   */
  secretText?(text: string): boolean;
  /**
   * a dry run (--check) after changes it did not make: what the module would wait for may
   * depend on them, so a waiting module looks once and never waits out its timeout
   */
  probeOnce?: boolean;
}

/**
 * One module per file. A module validates its arguments with a zod schema, describes what
 * it will do without connecting (for `plan` and the confirmation), and runs by sending plain
 * shell commands through the transport: nothing is shipped to the host.
 *
 *   export const systemd: Module<SystemdArgs> = {
 *     name: 'systemd', schema, readOnly: false,
 *     describe: (a) => `systemctl ${a.state} ${a.name}`,
 *     async run(ctx, a) { ... return { changed: true } },
 *   };
 */
export interface Module<A = any> {
  name: string;
  /** one line for `runbook modules` and the docs */
  summary: string;
  schema: z.ZodType<A>;
  /**
   * true when the module never changes a host: it runs in check mode and may appear in
   * `preflight`. command/shell are not read-only; a task marks them so with `check_mode: false`.
   */
  readOnly: boolean;
  /**
   * true when cutting the module off leaves nothing behind (it undoes its own partial work, as
   * an aborted upload does): it then stops at the first Ctrl-C, like a read-only module, instead
   * of being let finish
   */
  stopsCleanly?(args: A): boolean;
  /** `command: ls -l` is shorthand for `command: {cmd: "ls -l"}` */
  freeForm?: string;
  /** what plan and the confirmation show, e.g. `systemctl restart etcd` */
  describe(args: A): string;
  /** names of the facts `run` sets, so `validate` knows them before anything runs */
  factNames?(args: A): string[];
  run(ctx: ModuleContext, args: A): Promise<ModuleResult>;
}
