import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { operatorName } from '../util/operator.js';
import { dirname, resolve } from 'node:path';
import {
  ConfigError,
  ConnectError,
  InterruptedError,
  NotConfirmedError,
  PreflightError,
  RollbackError,
  RunbookError,
  exitCodeOf,
} from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { HostRecap, RunEvent } from '../events/types.js';
import type { Inventory, Vars } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';
import { referencedNames, render } from '../template/index.js';
import type { VaultKeyring } from '../vault/keyring.js';
import type { HostConnections, PlayScope, RunContext, RunOptions } from './context.js';
import { computeBatches } from './batches.js';
import type { Prompter } from './confirm.js';
import { confirmationText } from './confirmation-text.js';
import { PlayRunner, Sequence, type PlayExecution } from './play-runner.js';
import { runPreflight } from './preflight.js';
import { checkTaskArguments, namesSetByTasks } from './argument-check.js';
import { RecapCollector } from './recap.js';
import { redactingPrompter } from './redacting-prompter.js';
import { Secrets, redactor } from './redact.js';
import type { HostStates } from '../report/host-states.js';
import type { RunInterrupts } from './interrupts.js';
import { probeFiles } from './file-probe.js';
import { rollback } from './rollback.js';
import { selectedByTags } from './task-filter.js';
import { newRunId, RunRecorder } from './run-dir.js';
import { TaskRunner, messageOf } from './task-runner.js';
import { containsTemplate } from './host-vars.js';
import { UndoStack } from './undo-stack.js';
import { JournalWriter, journaledVars, type ReconnectFacts } from './journal.js';
import { connectionVars } from '../inventory/connection-vars.js';
import { loadVarsFiles } from './vars-files.js';

/** Connections to the run's hosts, made up front; failures are reported per host. */
export interface ConnectedHosts extends HostConnections {
  failures: Map<string, Error>;
  closeAll(): Promise<void>;
}

export interface RunRequest {
  playbook: Playbook;
  inventory: Inventory;
  inventorySources: string[];
  extraVars: Vars;
  limit?: string;
  options: RunOptions;
  /** where run records go (`.runbook/runs`) */
  runsRoot: string;
  prompter: Prompter;
  bus: EventBus;
  connect(hosts: string[], bus: EventBus): Promise<ConnectedHosts>;
  /** aborted by Ctrl-C (when `interrupts` is not given) */
  signal?: AbortSignal;
  /** Ctrl-C counted: a stop, then a confirmed abort (engine/interrupts.ts) */
  interrupts?: RunInterrupts;
  /** where each host stands, for the end of a run that did not succeed */
  hostStates?: HostStates;
  runId?: string;
  /**
   * Around a confirmation a person answers: the run's lock is let go while the prompt waits (a
   * person may take minutes; a scheduled backup must not be refused meanwhile) and taken again
   * after "yes", before anything changes. Taking it again fails when another run holds it.
   */
  promptHooks?: { beforePrompt(): Promise<void>; afterYes(): Promise<void> };
  /** values known to be secret that no variable names (the --ask-become-pass password) */
  secrets?: string[];
  /** how the hosts are reached and locked, for the journal a `runbook rollback` reads (engine/journal.ts) */
  reconnect?: Omit<ReconnectFacts, 'hosts'>;
  /** vault passwords for `vars_files`; everything decrypted with them is a secret */
  vault?: VaultKeyring;
}

export interface RunSummary {
  runId: string;
  runDir: string;
  playbook: string;
  inventory: string[];
  status: 'ok' | 'failed' | 'rolled_back' | 'rollback_failed' | 'refused' | 'interrupted';
  exitCode: number;
  message?: string;
  recap: Record<string, HostRecap>;
  startedAt: string;
  durationMs: number;
  check: boolean;
  user: string;
  controller: string;
}

/**
 * `runbook apply`, start to end:
 * connect every host -> preflight every play (read-only) -> confirm -> execute plays ->
 * on failure or Ctrl-C, roll back every completed step newest first -> recap.
 * Nothing changes on a host before every host is connected, every preflight check passed and
 * the operator (or --yes) agreed.
 */
export async function runPlaybook(req: RunRequest): Promise<RunSummary> {
  const started = Date.now();
  const runId = req.runId ?? newRunId();
  const recorder = new RunRecorder(req.runsRoot, runId);
  const secrets = new Secrets();
  for (const s of req.secrets ?? []) secrets.add(s);
  for (const v of req.vault?.revealed ?? []) secrets.add(v);
  secrets.addNamed(req.extraVars);
  for (const h of req.inventory.hosts.keys()) secrets.addNamed(req.inventory.varsFor(h));
  const bus = req.bus;
  bus.addRedactor(redactor(secrets));
  bus.on(recorder.listener);
  // every question to the operator (confirmation, --step, a task's confirm) is redacted too
  const prompter = redactingPrompter(req.prompter, secrets);

  const playbookDir = dirname(resolve(req.playbook.file));
  const scopes = resolvePlays(req);
  for (const s of scopes) {
    secrets.addNamed(s.play.vars);
    secrets.addNamed(s.varsFilesVars);
  }
  for (const v of req.vault?.revealed ?? []) secrets.add(v);
  const allHosts = [...new Set(scopes.flatMap((s) => s.hosts))];
  const recap = new RecapCollector(allHosts);
  bus.on(recap.listener);

  const stopSignal = req.interrupts?.stopSignal ?? req.signal;
  const abortSignal = req.interrupts?.abortSignal;
  const interrupt = new AbortController();
  const onAbort = () => interrupt.abort();
  if (stopSignal?.aborted) interrupt.abort();
  stopSignal?.addEventListener('abort', onAbort, { once: true });
  if (req.hostStates) bus.on(req.hostStates.listener);

  bus.emit({ type: 'run:start', runId, playbook: req.playbook.file, inventory: req.inventorySources, hosts: allHosts, check: req.options.check, runDir: recorder.dir });

  let connections: ConnectedHosts | undefined;
  const finish = async (status: RunSummary['status'], exitCode: number, message?: string, recapStatus: Parameters<RecapCollector['finish']>[0] = 'failed') => {
    req.interrupts?.enter('done');
    // a run that changed files and did not succeed: ask each host whether they are back
    const changedFiles = status !== 'ok' && status !== 'refused' && connections ? (req.hostStates?.changedFiles() ?? []) : [];
    if (changedFiles.length && connections) {
      const verdicts = await probeFiles(connections, changedFiles);
      for (const f of changedFiles) req.hostStates!.fileChecked(f.host, f.file, verdicts.get(`${f.host}\0${f.file}`));
    }
    await connections?.closeAll().catch(() => undefined);
    stopSignal?.removeEventListener('abort', onAbort);
    const hostRecap = recap.finish(recapStatus);
    if (req.hostStates && (status === 'interrupted' || status === 'rolled_back' || status === 'rollback_failed' || status === 'failed')) {
      for (const [h, r] of Object.entries(hostRecap)) {
        if (!r.unreachable) r.state = req.hostStates.finalState(h);
      }
    }
    const summary: RunSummary = {
      runId,
      runDir: recorder.dir,
      playbook: req.playbook.file,
      inventory: req.inventorySources,
      status,
      exitCode,
      message,
      recap: hostRecap,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      check: req.options.check,
      user: operatorName(),
      controller: hostname(),
    };
    bus.emit({ type: 'run:end', status, exitCode, durationMs: summary.durationMs, recap: summary.recap, message });
    // summary.json, `history` and the caller see what the events showed: no secret
    const shown = secrets.redact(summary);
    await recorder.finish(shown);
    return shown;
  };

  // 1. connect: every host, in parallel; any failure stops the run before anything changed
  connections = await req.connect(allHosts, bus);
  if (connections.failures.size) {
    const err = new ConnectError(
      [...connections.failures.keys()].join(', '),
      `cannot reach ${connections.failures.size} of ${allHosts.length} host(s); nothing was changed:\n` +
        [...connections.failures].map(([h, e]) => `  ${h}: ${messageOf(e)}`).join('\n') +
        withoutHint([...connections.failures.keys()], allHosts.length),
    );
    return finish('refused', err.exitCode, err.message, 'not-started');
  }

  const ctx: RunContext = {
    runId,
    runDir: recorder.dir,
    playbookFile: req.playbook.file,
    playbookDir,
    inventory: req.inventory,
    extraVars: req.extraVars,
    options: req.options,
    bus,
    connections,
    prompter,
    facts: new Map(),
    signal: interrupt.signal,
    commandSignal: abortSignal,
    secrets,
    checkChanges: [],
  };
  noteRenderedSecrets(ctx, scopes);

  // 2. preflight of every play, before anything changes; its warnings go into the confirmation
  const warnings: string[] = [];
  const collectWarnings = (e: RunEvent) => {
    if (e.type === 'host:end' && e.phase === 'preflight' && e.msg && /^warning\b/i.test(e.msg)) warnings.push(e.msg.replace(/^warning:?\s*/i, ''));
    if (e.type === 'warning') warnings.push(e.host ? `${e.host}: ${e.message}` : e.message);
  };
  const stopCollecting = bus.on(collectWarnings);
  const failures = [];
  for (const scope of scopes) failures.push(...(await runPreflight(ctx, scope)));
  // then the arguments every task can already be judged by, so that none is refused mid-run
  if (!failures.length) {
    const changing = namesSetByTasks(req.playbook.plays.flatMap((p) => [...p.tasks, ...p.handlers, ...p.rollback]));
    for (const scope of scopes) failures.push(...checkTaskArguments(ctx, scope, changing));
  }
  if (failures.length) {
    const err = new PreflightError(failures);
    return finish('refused', err.exitCode, err.message, 'not-started');
  }
  if (interrupt.signal.aborted) return finish('interrupted', 130, 'interrupted before any change', 'not-started');

  // 3. confirmation
  if (!req.options.check) {
    stopCollecting();
    const text = secrets.redactText(confirmationText(ctx, scopes, {
      rows: req.prompter.interactive && process.stdout.isTTY ? process.stdout.rows : undefined,
      cols: req.prompter.interactive && process.stdout.isTTY ? process.stdout.columns : undefined,
      warnings: [...new Set(warnings)],
      inventory: req.inventorySources,
      planCommand: `runbook plan ${req.playbook.file} ${req.inventorySources.map((i) => `-i ${i}`).join(' ')}`,
    }));
    if (req.options.yes) {
      bus.emit({ type: 'confirm', message: text, answer: 'auto' });
    } else {
      let ok: boolean;
      try {
        await req.promptHooks?.beforePrompt();
        ok = await prompter.confirm(text);
      } catch (err) {
        const msg = messageOf(err);
        bus.emit({ type: 'confirm', message: text, answer: 'no' });
        if (err instanceof InterruptedError) return finish('interrupted', err.exitCode, 'interrupted at the confirmation; nothing was changed', 'not-started');
        return finish('refused', exitCodeOf(err) || 5, msg, 'not-started');
      }
      bus.emit({ type: 'confirm', message: text, answer: ok ? 'yes' : 'no' });
      if (!ok) return finish('refused', new NotConfirmedError('').exitCode, 'not confirmed; nothing was changed', 'not-started');
      try {
        await req.promptHooks?.afterYes();
      } catch (err) {
        return finish('refused', exitCodeOf(err) || 75, `confirmed, but the lock could not be taken again: ${messageOf(err)}`, 'not-started');
      }
    }
  }

  // 4. execute, each step journaled first (engine/journal.ts)
  if (!req.options.check) ctx.journal = startJournal(req, ctx, recorder, allHosts);
  req.interrupts?.enter('execute');
  const undo = new UndoStack();
  const seq = new Sequence();
  const executed: PlayExecution[] = [];
  let failure: string | undefined;
  let failureCode = 1;
  for (const [i, scope] of scopes.entries()) {
    bus.emit({
      type: 'play:start',
      play: scope.play.name,
      playIndex: i,
      hosts: scope.hosts,
      batches: computeBatches(scope.hosts, scope.play.serial),
      // the tasks that will run (--tags, --skip-tags): the live view counts them
      tasks: scope.play.tasks.filter((t) => selectedByTags(t, scope.play.tags, req.options)).map((t) => t.name),
      plays: scopes.length,
    });
    const runner = new PlayRunner(ctx, scope, undo, seq);
    let exec: PlayExecution;
    try {
      exec = await runner.execute();
    } catch (err) {
      exec = { scope, touched: new Set(scope.hosts), failed: true, reason: messageOf(err) };
      if (err instanceof RunbookError) failureCode = err.exitCode;
      // Ctrl-C at a --step or task prompt is an interrupt like any other
      if (err instanceof InterruptedError) interrupt.abort();
    }
    executed.push(exec);
    if (exec.failed) {
      failure = exec.reason;
      break;
    }
    if (interrupt.signal.aborted) break;
  }
  const interrupted = interrupt.signal.aborted;
  if (interrupted) {
    failure = 'interrupted (Ctrl-C)';
    failureCode = new InterruptedError('').exitCode;
  }
  if (!failure) return finish('ok', 0, undefined, req.options.check ? 'check' : 'ok');

  // 5. rollback, with a fresh signal: the interrupt that stopped the run must not stop the undo;
  // only a confirmed stop (engine/interrupts.ts) does
  req.interrupts?.enter('rollback');
  const rollbackAbort = new AbortController();
  const confirmedStop = () => rollbackAbort.abort();
  if (abortSignal?.aborted) rollbackAbort.abort();
  abortSignal?.addEventListener('abort', confirmedStop, { once: true });
  const report = await rollback({ ...ctx, signal: rollbackAbort.signal, commandSignal: rollbackAbort.signal }, executed, undo, failure);
  abortSignal?.removeEventListener('abort', confirmedStop);
  const complete = report.ok && !rollbackAbort.signal.aborted;
  const status: RunSummary['status'] = interrupted && complete ? 'interrupted' : complete ? 'rolled_back' : 'rollback_failed';
  const message = [rollbackAbort.signal.aborted ? `${failure}; then stopped by Ctrl-C before the rollback finished` : failure, report.cluster].filter(Boolean).join('\n');
  // hosts left half-changed get their own exit code, so cron, OnFailure= and CI can page someone
  return finish(status, status === 'rollback_failed' ? new RollbackError(failure).exitCode : failureCode, message);
}

/** variables a no_log task reads: their values stay out of the journal, as its output stays out of the events */
function namesReadByNoLogTasks(playbook: Playbook): Set<string> {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (!v.includes('{{') && !v.includes('{%')) return;
      try {
        for (const n of referencedNames(v)) names.add(n);
      } catch {
        // not a template the engine could render either
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const play of playbook.plays) {
    for (const t of [...play.preflight, ...play.tasks, ...play.tasks.flatMap((x) => x.rollback), ...play.handlers, ...play.rollback]) {
      if (t.no_log) walk([t.args, t.vars ?? {}, t.loop ?? null]);
    }
  }
  return names;
}

/** '' for a playbook that is not a file (built in memory) */
export function fileSha256(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return '';
  }
}

/** the journal's first record: enough to load the same plays and reach the same hosts again */
function startJournal(req: RunRequest, ctx: RunContext, recorder: RunRecorder, hosts: string[]): JournalWriter {
  const journal = new JournalWriter((r) => recorder.journal(ctx.secrets.redact(r)), ctx.facts, ctx.secrets);
  const playbook = resolve(req.playbook.file);
  const vars = journaledVars(req.extraVars, ctx.secrets, namesReadByNoLogTasks(req.playbook));
  const reconnectHosts: ReconnectFacts['hosts'] = {};
  for (const h of hosts) {
    try {
      const c = connectionVars(req.inventory.varsFor(h));
      reconnectHosts[h] = { address: c.address, port: c.port, user: c.user, keyFile: c.keyFile, proxyJump: c.proxyJump, connection: c.connection };
    } catch {
      reconnectHosts[h] = {};
    }
  }
  journal.start({
    runId: ctx.runId,
    playbook,
    playbookSha256: fileSha256(playbook),
    inventory: req.inventorySources.map((i) => resolve(i)),
    extraVars: vars.kept,
    withheldVars: vars.withheld,
    limit: req.limit,
    forks: req.options.forks,
    tags: req.options.tags,
    skipTags: req.options.skipTags,
    reconnect: { acceptNewHostKeys: false, connectTimeout: 10, lock: 'file', ...req.reconnect, hosts: reconnectHosts },
  });
  return journal;
}

/**
 * How to go on without the hosts that cannot be reached, when the runbook can do without them
 * (a backup needs one healthy member; a change to every member needs them all).
 */
function withoutHint(unreachable: string[], total: number): string {
  if (unreachable.length >= total) return '';
  const pattern = `all:${unreachable.map((h) => `!${h}`).join(':')}`;
  return `\nto run without ${unreachable.join(', ')} (when this runbook can do without ${unreachable.length > 1 ? 'them' : 'it'}, as a backup can: it needs one healthy member), add: --limit '${pattern}'`;
}

/**
 * A secret-named variable whose value is a template (`db_password: "{{ vault_db_password }}"`)
 * is a secret as rendered for each host; the raw layers were noted before anything ran.
 */
export function noteRenderedSecrets(ctx: RunContext, scopes: PlayScope[]): void {
  for (const scope of scopes) {
    const runner = new TaskRunner(ctx, scope);
    for (const host of scope.hosts) {
      const vars = runner.varsFor(host);
      const rendered = (name: string, raw: unknown) => (containsTemplate(raw) ? vars[name] : raw);
      for (const layer of [ctx.inventory.varsFor(host), scope.play.vars, scope.varsFilesVars, ctx.extraVars]) ctx.secrets.addNamed(layer, rendered);
      // task vars too: the confirmation shows rendered commands before any task has run
      const { play } = scope;
      for (const t of [...play.preflight, ...play.tasks, ...play.tasks.flatMap((x) => x.rollback), ...play.handlers, ...play.rollback]) {
        if (!t.vars) continue;
        ctx.secrets.addNamed(t.vars, (name, raw) => {
          if (!containsTemplate(raw)) return raw;
          try {
            return runner.varsFor(host, t)[name];
          } catch {
            // it reads what an earlier task registers: it is noted when its task runs
            return undefined;
          }
        });
      }
    }
  }
}

export function resolvePlays(req: Pick<RunRequest, 'playbook' | 'inventory' | 'extraVars' | 'limit' | 'bus' | 'vault'>): PlayScope[] {
  const limited = req.limit ? new Set(req.inventory.select(req.limit)) : undefined;
  const scopes: PlayScope[] = [];
  for (const [playIndex, play] of req.playbook.plays.entries()) {
    const pattern = render(play.hosts, { ...play.vars, ...req.extraVars }, play.loc);
    const hosts = req.inventory.select(pattern).filter((h) => !limited || limited.has(h));
    if (hosts.length === 0) {
      req.bus.emit({ type: 'warning', message: `play "${play.name}": no hosts matched "${pattern}"${req.limit ? ` with --limit ${req.limit}` : ''}; skipping it` });
      continue;
    }
    const varsFilesVars = loadVarsFiles(play.vars_files, req.playbook.file, { ...play.vars, ...req.extraVars }, req.vault);
    scopes.push({ play, playIndex, hosts, varsFilesVars });
  }
  if (scopes.length === 0) {
    throw new ConfigError({ message: `no play matched any host${req.limit ? ` (--limit ${req.limit})` : ''}`, hint: 'check the plays\' `hosts:` and the inventory' });
  }
  return scopes;
}
