/**
 * The engine side of `runbook rollback RUN_ID`: reconnect to the hosts of a run whose controller
 * died, put its facts and undo stack back from its journal, show what will be undone and ask,
 * run the undo (orphan-rollback.ts), and finish the run's own record (events.jsonl, summary.json)
 * so `history` shows it undone.
 */
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { ConnectError, InterruptedError, NotConfirmedError, RollbackError, exitCodeOf } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Inventory, Vars } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';
import { operatorName } from '../util/operator.js';
import type { Prompter } from './confirm.js';
import type { RunContext } from './context.js';
import { JournalWriter } from './journal.js';
import { planOrphanRollback, runOrphanRollback, type JournalReading, type OrphanPlan } from './orphan-rollback.js';
import { RecapCollector } from './recap.js';
import { redactingPrompter } from './redacting-prompter.js';
import { Secrets, redactor } from './redact.js';
import { RunRecorder } from './run-dir.js';
import { noteRenderedSecrets, resolvePlays, type ConnectedHosts, type RunSummary } from './run.js';
import { messageOf } from './task-runner.js';

export interface UndoDeadRunRequest {
  reading: JournalReading & { start: NonNullable<JournalReading['start']> };
  /** the run's record directory (absolute) */
  runDir: string;
  playbook: Playbook;
  inventory: Inventory;
  extraVars: Vars;
  yes: boolean;
  prompter: Prompter;
  bus: EventBus;
  connect(hosts: string[], bus: EventBus): Promise<ConnectedHosts>;
  /** a confirmed stop (Ctrl-C) */
  signal?: AbortSignal;
  secrets?: string[];
}

export async function undoDeadRun(req: UndoDeadRunRequest): Promise<RunSummary> {
  const started = Date.now();
  const { start } = req.reading;
  const runId = start.runId;
  const recorder = new RunRecorder(dirname(req.runDir), basename(req.runDir));
  const secrets = new Secrets();
  for (const s of req.secrets ?? []) secrets.add(s);
  secrets.addNamed(req.extraVars);
  for (const h of req.inventory.hosts.keys()) secrets.addNamed(req.inventory.varsFor(h));
  const bus = req.bus;
  bus.addRedactor(redactor(secrets));
  const stopRecording = bus.on(recorder.listener);
  const prompter = redactingPrompter(req.prompter, secrets);

  const scopes = resolvePlays({ playbook: req.playbook, inventory: req.inventory, extraVars: req.extraVars, limit: start.limit, bus });
  for (const s of scopes) {
    secrets.addNamed(s.play.vars);
    secrets.addNamed(s.varsFilesVars);
  }
  const hosts = [...new Set(req.reading.steps.map((s) => s.host))];
  const recap = new RecapCollector(hosts);
  bus.on(recap.listener);
  bus.emit({ type: 'run:start', runId, playbook: req.playbook.file, inventory: start.inventory, hosts, check: false, runDir: recorder.dir });

  let connections: ConnectedHosts | undefined;
  const finish = async (status: RunSummary['status'], exitCode: number, message: string, states?: Record<string, string>) => {
    await connections?.closeAll().catch(() => undefined);
    const hostRecap = recap.finish(status === 'refused' ? 'not-started' : 'failed');
    for (const [h, s] of Object.entries(states ?? {})) if (hostRecap[h]) hostRecap[h].state = s;
    const summary: RunSummary = {
      runId,
      runDir: recorder.dir,
      playbook: req.playbook.file,
      inventory: start.inventory,
      status,
      exitCode,
      message,
      recap: hostRecap,
      startedAt: req.reading.runStart?.time ?? start.time,
      durationMs: Date.now() - started,
      check: false,
      user: operatorName(),
      controller: hostname(),
    };
    // a refused undo leaves the run as it was: unfinished (no run:end in its record), for the next attempt
    if (status === 'refused') stopRecording();
    bus.emit({ type: 'run:end', status, exitCode, durationMs: summary.durationMs, recap: summary.recap, message });
    const shown = secrets.redact(summary);
    if (status === 'refused') await recorder.finishWithoutSummary();
    else await recorder.finish(shown);
    return shown;
  };

  connections = await req.connect(hosts, bus);
  if (connections.failures.size) {
    const err = new ConnectError(
      [...connections.failures.keys()].join(', '),
      `cannot reach ${connections.failures.size} of ${hosts.length} host(s); nothing was undone:\n` + [...connections.failures].map(([h, e]) => `  ${h}: ${messageOf(e)}`).join('\n'),
    );
    return finish('refused', err.exitCode, err.message);
  }

  const signal = req.signal ?? new AbortController().signal;
  const ctx: RunContext = {
    runId,
    runDir: recorder.dir,
    playbookFile: req.playbook.file,
    playbookDir: dirname(req.playbook.file),
    inventory: req.inventory,
    extraVars: req.extraVars,
    options: { check: false, diff: false, forks: start.forks, yes: req.yes, step: false, tags: start.tags, skipTags: start.skipTags },
    bus,
    connections,
    prompter,
    facts: req.reading.facts,
    signal,
    commandSignal: signal,
    secrets,
  };
  noteRenderedSecrets(ctx, scopes);
  let plan: OrphanPlan;
  try {
    plan = planOrphanRollback(req.reading, scopes, ctx);
  } catch (err) {
    return finish('refused', 2, `${messageOf(err)}; nothing was undone`);
  }

  const text = secrets.redactText(confirmationText(req, plan));
  if (req.yes) bus.emit({ type: 'confirm', message: text, answer: 'auto' });
  else {
    let ok: boolean;
    try {
      ok = await prompter.confirm(text);
    } catch (err) {
      bus.emit({ type: 'confirm', message: text, answer: 'no' });
      if (err instanceof InterruptedError) return finish('refused', err.exitCode, 'interrupted at the confirmation; nothing was undone');
      return finish('refused', exitCodeOf(err) || 5, messageOf(err));
    }
    bus.emit({ type: 'confirm', message: text, answer: ok ? 'yes' : 'no' });
    if (!ok) return finish('refused', new NotConfirmedError('').exitCode, 'not confirmed; nothing was undone');
  }

  // the undo is journaled too: a `runbook rollback` that dies half-way can be run again
  ctx.journal = new JournalWriter((r) => recorder.journal(secrets.redact(r)), ctx.facts, secrets);
  const out = await runOrphanRollback(ctx, plan, `the controller of run ${runId} died before it finished`);
  const byHand = out.unfinished.filter((u) => u.verdict === 'by-hand');
  const states: Record<string, string> = { ...out.report.hosts };
  for (const u of byHand) states[u.host] = `${states[u.host] ? `${states[u.host]}; ` : ''}CHECK BY HAND: "${u.task}" was running when the controller died: ${u.check}`;
  const message = [
    out.ok ? `undone by runbook rollback: the controller of run ${runId} had died before it finished` : `runbook rollback could not undo everything run ${runId} had done`,
    out.report.cluster,
    ...byHand.map((u) => `${u.host}: "${u.task}" was running when the controller died: ${u.check}`),
  ]
    .filter(Boolean)
    .join('\n');
  return finish(out.ok ? 'rolled_back' : 'rollback_failed', out.ok ? 0 : new RollbackError('').exitCode, message, states);
}

function confirmationText(req: UndoDeadRunRequest, plan: OrphanPlan): string {
  const { start } = req.reading;
  const lines = [`Undo run ${start.runId} (${req.playbook.file}), whose controller died before it finished. Newest first:`];
  if (plan.lines.length) lines.push(...plan.lines.map((l) => `  ${l}`));
  else lines.push('  no completed step has an undo');
  const playRollbacks = plan.executed.filter((e) => e.scope.play.rollback.length).map((e) => `  play "${e.scope.play.name}": ${e.scope.play.rollback.map((r) => r.name).join(', ')}`);
  if (playRollbacks.length) lines.push("Then each play's own rollback:", ...playRollbacks);
  if (plan.alreadyUndone) lines.push(`${plan.alreadyUndone} completed step(s) were already undone before the controller died; they are not undone again.`);
  const running = plan.unfinished;
  if (running.length) {
    lines.push('Steps cut off when the controller died:');
    for (const u of running) {
      const what = u.verdict === 'undo' ? 'undone (its undo is safe to run twice)' : u.verdict === 'nothing' ? 'nothing to undo (it only reads)' : `NOT undone: ${u.check}`;
      lines.push(`  ${u.host}: "${u.task}": ${what}`);
    }
  }
  return lines.join('\n');
}
