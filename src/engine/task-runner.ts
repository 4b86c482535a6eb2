import { ConfigError, RunbookError, TaskError, formatLocation } from '../errors.js';
import type { Phase, TaskStatus } from '../events/types.js';
import type { Vars } from '../inventory/types.js';
import { getModule } from '../modules/registry.js';
import type { Module, ModuleContext, ModuleResult } from '../modules/types.js';
import type { Task } from '../playbook/types.js';
import { OMIT, evaluate, evaluateCondition, isTemplate, renderValue, truthy } from '../template/index.js';
import type { Become } from '../transport/types.js';
import type { PlayScope, RunContext } from './context.js';
import { displayName } from './describe-task.js';
import { containsTemplate, layeredVars, overlay } from './host-vars.js';
import { ObservedTransport } from './observed-transport.js';
import { isSecretName } from './redact.js';
import { effectOf } from './task-effect.js';
import { combineLoop, outputOf, skippedResult, toRegistered, type RegisteredResult } from './registered-result.js';

/**
 * `hostvars`: one lazily built scope per inventory host. A class, not a plain object, so that
 * scanning variables for templates does not walk into every host's variables.
 */
class HostVars {
  [host: string]: unknown;
}

export interface TaskOutcome {
  host: string;
  status: TaskStatus;
  registered: RegisteredResult;
  /** the reason when status is failed or ignored */
  error?: string;
  durationMs: number;
}

/**
 * Runs one task on one host with Ansible's semantics: `when`, `loop`, rendered arguments checked
 * by the module's schema, `until/retries/delay`, `changed_when/failed_when`, `register`,
 * `ignore_errors`, check mode, `delegate_to`, `become`, `timeout`, `no_log`.
 * It never throws: every problem becomes a failed outcome with a message.
 */
export class TaskRunner {
  constructor(
    private readonly run: RunContext,
    private readonly scope: PlayScope,
  ) {}

  /** The variables a task sees on a host, lowest precedence first (docs/playbooks.md). */
  varsFor(host: string, task?: Task): Vars {
    const { play } = this.scope;
    // built-ins go in as the top layer (nobody may redefine run_id), and inside the same lazy
    // object, so that a play var like "{{ data_dir }}.pre-restore-{{ run_id }}" can see them
    return layeredVars([
      { vars: this.run.inventory.varsFor(host) },
      { vars: play.vars },
      { vars: this.scope.varsFilesVars },
      { vars: task?.vars ?? {} },
      { vars: this.run.facts.get(host) ?? {}, literal: true },
      { vars: this.run.extraVars },
      { vars: this.builtins(host), literal: true },
    ]);
  }

  private builtins(host: string): Vars {
    const inv = this.run.inventory;
    const hostvars = new HostVars();
    for (const h of inv.hosts.keys()) {
      Object.defineProperty(hostvars, h, { enumerable: true, get: () => this.varsFor(h) });
    }
    const groupNames = (inv.hosts.get(host)?.groups ?? []).filter((g) => g !== 'all');
    return {
      inventory_hostname: host,
      inventory_hostname_short: host.split('.')[0],
      groups: inv.groupsMap(),
      group_names: groupNames,
      hostvars,
      play_hosts: this.scope.hosts,
      ansible_play_hosts: this.scope.hosts,
      ansible_play_batch: this.scope.hosts,
      run_id: this.run.runId,
      playbook_dir: this.run.playbookDir,
      check_mode: this.run.options.check,
      ansible_check_mode: this.run.options.check,
      omit: OMIT,
    };
  }

  async runOnHost(task: Task, host: string, phase: Phase, taskIndex: number, scopeVars: Vars = {}): Promise<TaskOutcome> {
    const started = Date.now();
    const { bus } = this.run;
    // what the task sees on this host, built once for its name and for its run
    const vars = overlay(this.varsFor(host, task), scopeVars);
    // a secret in the task's own vars is known before anything about the task is told
    if (task.vars) this.run.secrets.addNamed(task.vars, (n, raw) => (containsTemplate(raw) ? vars[n] : raw));
    // the events of this host carry the name as it reads for this host, as task:start does
    const name = isTemplate(task.name) ? displayName(task, vars) : task.name;
    bus.emit({ type: 'host:start', phase, task: name, taskIndex, host });
    let outcome: Omit<TaskOutcome, 'durationMs' | 'host'>;
    try {
      outcome = await this.runGuarded(task, host, vars, name);
    } catch (err) {
      outcome = { status: 'failed', registered: { changed: false, failed: true, skipped: false, msg: messageOf(err) }, error: messageOf(err) };
    }
    if (this.run.options.check && phase !== 'preflight') outcome = this.dryRunOutcome(outcome, host, name);
    if (outcome.status === 'failed' && task.ignore_errors) outcome = { ...outcome, status: 'ignored' };
    // the reason travels on into preflight reports, rollback lines and the run's message
    if (task.no_log && outcome.error !== undefined) outcome = { ...outcome, error: NO_LOG_FAILURE };
    // a check reads; a command that ran is not a change
    if (phase === 'preflight' && outcome.status === 'changed') outcome = { ...outcome, status: 'ok' };
    this.store(task, host, outcome.registered);
    const durationMs = Date.now() - started;
    const r = outcome.registered;
    bus.emit({
      type: 'host:end',
      phase,
      task: name,
      taskIndex,
      host,
      status: outcome.status,
      durationMs,
      msg: task.no_log ? (outcome.status === 'failed' ? NO_LOG_FAILURE : undefined) : (outcome.error ?? r.msg),
      rc: r.rc,
      stderr: task.no_log ? undefined : r.stderr,
      diff: this.run.options.diff && !task.no_log ? (r.diff as never) : undefined,
      effect: effectOf(task, outcome.status, r),
    });
    return { host, durationMs, ...outcome };
  }

  /**
   * --check: a failure after changes that were not made says only that the run cannot see past
   * them (a restart that did not happen, a leader that was not moved, a file not written): it
   * "would run", with the reason. A change reported (or a command skipped) is remembered as one.
   */
  private dryRunOutcome(outcome: Omit<TaskOutcome, 'durationMs' | 'host'>, host: string, name: string): Omit<TaskOutcome, 'durationMs' | 'host'> {
    const pending = (this.run.checkChanges ??= []);
    if (outcome.status === 'failed' && pending.length) {
      const msg = `would run: it depends on ${pending.length} change(s) check mode did not make (the first: ${pending[0]}); checked now it says: ${outcome.error ?? 'failed'}`;
      return { status: 'skipped', registered: { ...skippedResult(msg), would_run: true }, error: undefined };
    }
    const notMade = outcome.status === 'changed' || (outcome.status === 'skipped' && String(outcome.registered.msg ?? '').startsWith(CHECK_SKIP));
    if (notMade) pending.push(`${host}: ${name}`);
    return outcome;
  }

  /** register + facts are visible to later tasks on this host */
  private store(task: Task, host: string, registered: RegisteredResult): void {
    if (!task.register) return;
    // what a no_log task read, or a value registered under a secret's name, is a secret from now on
    if (task.no_log || isSecretName(task.register)) this.run.secrets.add(outputOf(registered));
    this.run.facts.set(host, { ...(this.run.facts.get(host) ?? {}), [task.register]: registered });
  }

  /** facts a task sets (set_fact, module facts): secret-named ones, or all of a no_log task's, are secrets */
  addFacts(host: string, facts: Vars, noLog = false): void {
    if (noLog) this.run.secrets.add(facts);
    else this.run.secrets.addNamed(facts);
    this.run.facts.set(host, { ...(this.run.facts.get(host) ?? {}), ...facts });
  }

  /** run_once: the first host's result and the facts the task set apply to every host, as in Ansible */
  shareRunOnce(task: Task, first: string, others: string[]): void {
    const facts = this.run.facts.get(first) ?? {};
    const names = [...(task.register ? [task.register] : []), ...factNamesSetBy(task)];
    const shared = Object.fromEntries(names.filter((n) => n in facts).map((n) => [n, facts[n]]));
    // their secrets were noted when the first host got them
    for (const h of others) this.run.facts.set(h, { ...(this.run.facts.get(h) ?? {}), ...shared });
  }

  /** `vars`: what the task sees on this host; `name`: its name as rendered for it, for the events */
  private async runGuarded(task: Task, host: string, vars: Vars, name: string): Promise<Omit<TaskOutcome, 'durationMs' | 'host'>> {
    const module = getModule(task.module);
    if (!module) throw new ConfigError({ message: `unknown module \`${task.module}\``, loc: task.loc });

    if (task.loop === undefined) {
      if (!this.when(task, vars)) return { status: 'skipped', registered: skippedResult('condition was false') };
      const registered = await this.runItem(module, task, host, vars, name);
      return { status: statusOf(registered), registered, error: registered.failed ? String(registered.msg ?? 'failed') : undefined };
    }

    const items = renderValue(task.loop, vars, task.loc);
    if (!Array.isArray(items)) {
      throw new TaskError(`${formatLocation(task.loc)}: loop must be a list, got ${typeof items}`);
    }
    const loopVar = task.loop_var ?? 'item';
    const results: RegisteredResult[] = [];
    for (const [index, item] of items.entries()) {
      const itemVars = overlay(vars, { [loopVar]: item, ansible_loop: { index: index + 1, index0: index } });
      if (!this.when(task, itemVars)) {
        results.push({ ...skippedResult('condition was false'), [loopVar]: item });
        continue;
      }
      const r = await this.runItem(module, task, host, itemVars, name);
      results.push({ ...r, [loopVar]: item });
      if (r.failed) break; // Ansible carries on; for runbooks, stopping at the first failed item is safer
    }
    const registered = combineLoop(results);
    return { status: statusOf(registered), registered, error: registered.failed ? String(registered.msg) : undefined };
  }

  private when(task: Task, vars: Vars): boolean {
    return task.when === undefined || evaluateCondition(task.when, vars, task.loc);
  }

  private async runItem(module: Module, task: Task, host: string, vars: Vars, name: string): Promise<RegisteredResult> {
    const rendered = stripOmitted(renderValue(task.args, vars, task.loc));
    const parsed = module.schema.safeParse(rendered);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ');
      throw new TaskError(`${formatLocation(task.loc)}: invalid arguments for \`${module.name}\` after templating: ${issues}`);
    }
    const timeoutS = taskNumber(task, 'timeout', vars, { positive: true });
    const ctx = await this.moduleContext(module, task, host, vars, name, timeoutS, module.stopsCleanly?.(parsed.data) ?? false);
    const checkOnly = ctx.check;
    if (checkOnly && !module.readOnly && task.check_mode === undefined && (module.name === 'command' || module.name === 'shell')) {
      return skippedResult(`${CHECK_SKIP} (mark read-only commands with check_mode: false)`);
    }

    // a dry run after changes it did not make looks once: what it waits for may need them
    const retries = task.until && !ctx.probeOnce ? (taskNumber(task, 'retries', vars, { integer: true }) ?? 3) : 0;
    const delayMs = (task.until ? (taskNumber(task, 'delay', vars) ?? 5) : 0) * 1000;
    const resultName = task.register ?? 'result';
    let registered: RegisteredResult = skippedResult('not run');
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (this.run.signal.aborted) throw new TaskError('interrupted');
      const result = await this.callModule(module, ctx, parsed.data);
      for (const w of result.warnings ?? []) this.run.bus.emit({ type: 'warning', host, message: task.no_log ? '<hidden: no_log>' : w });
      // facts belong to the host the task is for, also when it was delegated (Ansible's default)
      // in check mode a read-only module's facts are real (set_fact, etcd_status); a changing
      // module's would describe a state that was never made
      if (result.facts && (!ctx.check || module.readOnly)) this.addFacts(host, result.facts, Boolean(task.no_log));
      registered = toRegistered(result);
      registered = this.applyOverrides(task, overlay(vars, { [resultName]: registered }), registered);
      if (!task.until) break;
      const done = truthy(evaluate(task.until, overlay(vars, { [resultName]: registered }), task.loc));
      registered.attempts = attempt + 1;
      if (done) break;
      if (attempt === retries) {
        registered = { ...registered, failed: true, msg: `gave up after ${attempt + 1} attempts: until \`${task.until}\` still false` };
        break;
      }
      this.run.bus.emit({ type: 'log', host, task: name, line: `until not met, retrying in ${delayMs / 1000}s (${attempt + 1}/${retries})` });
      await sleep(delayMs, this.run.signal);
    }
    return registered;
  }

  private async callModule(module: Module, ctx: ModuleContext, args: unknown): Promise<ModuleResult> {
    const ms = ctx.timeoutMs;
    if (!ms) return module.run(ctx, args);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TaskError(`timed out after ${ms / 1000}s (task timeout)`)), ms);
    });
    try {
      return await Promise.race([module.run(ctx, args), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private applyOverrides(task: Task, vars: Vars, r: RegisteredResult): RegisteredResult {
    const out = { ...r };
    if (task.changed_when !== undefined) out.changed = evaluateCondition(task.changed_when, vars, task.loc);
    if (task.failed_when !== undefined) {
      out.failed = evaluateCondition(task.failed_when, vars, task.loc);
      if (!out.failed && r.failed) out.msg = r.msg ?? 'ok (failed_when is false)';
      if (out.failed && !r.failed) out.msg = `failed_when \`${String(task.failed_when)}\` is true`;
    }
    return out;
  }

  private async moduleContext(
    module: Module,
    task: Task,
    host: string,
    vars: Vars,
    name: string,
    timeoutS: number | undefined,
    stopsCleanly = false,
  ): Promise<ModuleContext> {
    const run = this.run;
    const target = task.delegate_to ? String(renderValue(task.delegate_to, vars, task.loc)) : host;
    const inner = await run.connections.get(target);
    return {
      host,
      vars,
      transport: new ObservedTransport(inner, run.bus, name, host, {
        noLog: Boolean(task.no_log),
        quietOutput: task.register !== undefined && isSecretName(task.register),
        secrets: run.secrets,
      }),
      secretText: (text) => Boolean(task.no_log) || run.secrets.occursIn(text),
      become: this.becomeFor(task, target),
      check: task.check_mode === true || (run.options.check && task.check_mode !== false),
      diff: run.options.diff,
      runId: run.runId,
      // a stop request lets a changing command finish ("stopping after the running command");
      // checks and waits, which change nothing, stop at once, as does work that undoes itself
      // when cut off (an upload that is aborted)
      signal: module.readOnly || stopsCleanly ? run.signal : (run.commandSignal ?? run.signal),
      timeoutMs: timeoutS ? timeoutS * 1000 : undefined,
      log: (line) => run.bus.emit({ type: 'log', host, task: name, line: task.no_log ? '<hidden: no_log>' : line }),
      debug: (line) => run.bus.emit({ type: 'log', host, task: name, line: task.no_log ? '<hidden: no_log>' : line, level: 'debug' }),
      transportFor: (h) => run.connections.get(h),
      hostVarsOf: (h) => this.varsFor(h),
      prompt: (q) => run.prompter.input(q),
      runDir: run.runDir,
      probeOnce: run.options.check && Boolean(run.checkChanges?.length),
    };
  }

  /** task > play > inventory (ansible_become); becoming root when already root is a no-op */
  private becomeFor(task: Task, host: string): Become | false {
    const conn = this.run.connections.becomeFor(host);
    const { play } = this.scope;
    const want = task.become ?? play.become ?? conn.become ?? false;
    if (!want) return false;
    const user = task.become_user ?? play.become_user ?? conn.user ?? 'root';
    if (user === conn.loginUser) return false;
    return { user, password: conn.password };
  }
}

/** the facts a task sets: set_fact's keys, or what the module declares */
function factNamesSetBy(task: Task): string[] {
  const module = getModule(task.module);
  if (!module?.factNames) return [];
  try {
    return module.factNames(task.args as never);
  } catch {
    return [];
  }
}

/** what a no_log task's failure says: its own message may hold what no_log hides */
export const NO_LOG_FAILURE = 'failed (output hidden: no_log)';

const CHECK_SKIP = 'skipped in check mode';

function statusOf(r: RegisteredResult): TaskStatus {
  if (r.failed) return 'failed';
  if (r.skipped) return 'skipped';
  return r.changed ? 'changed' : 'ok';
}

export function stripOmitted(v: unknown): Record<string, unknown> {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.filter((e) => e !== OMIT).map(walk);
    if (x && typeof x === 'object') {
      return Object.fromEntries(Object.entries(x).filter(([, e]) => e !== OMIT).map(([k, e]) => [k, walk(e)]));
    }
    return x;
  };
  return (walk(v) ?? {}) as Record<string, unknown>;
}

export function messageOf(err: unknown): string {
  if (err instanceof RunbookError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // the listener goes when the sleep ends: a long until/retries loop must not pile them up
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * `retries`, `delay` or `timeout` as a number: as written, or its template rendered with the
 * host's variables ("{{ restore_timeout }}"). A value that is not a number is the task's error.
 */
function taskNumber(task: Task, key: 'retries' | 'delay' | 'timeout', vars: Vars, want: { integer?: boolean; positive?: boolean } = {}): number | undefined {
  const raw = task[key];
  if (raw === undefined || typeof raw === 'number') return raw;
  const loc = task.fieldLocs?.[key] ?? task.loc;
  const value = renderValue(raw, vars, loc);
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  const ok = Number.isFinite(n) && (want.integer ? Number.isInteger(n) : true) && (want.positive ? n > 0 : n >= 0);
  if (!ok) {
    const kind = want.integer ? 'a whole number ≥ 0' : want.positive ? 'a number of seconds > 0' : 'a number of seconds ≥ 0';
    throw new TaskError(`${formatLocation(loc)}: ${key} must be ${kind}; \`${raw}\` gave ${JSON.stringify(value)}`);
  }
  return n;
}

