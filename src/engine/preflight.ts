import type { PreflightFailure } from '../errors.js';
import type { PlayScope, RunContext } from './context.js';
import { mapLimit } from './limit.js';
import { TaskRunner } from './task-runner.js';

/**
 * The play's `preflight` checks on every host. They only read (the schema refuses modules that
 * change things), so they run for real even in --check. Every check runs on every host, so the
 * operator sees all that is wrong at once, not one problem per attempt.
 */
export async function runPreflight(run: RunContext, scope: PlayScope): Promise<PreflightFailure[]> {
  const { play } = scope;
  const checks = play.preflight;
  if (!checks.length) return [];
  run.bus.emit({ type: 'preflight:start', play: play.name, checks: checks.map((c) => c.name) });
  const runner = new TaskRunner(run, scope);
  const failures: PreflightFailure[] = [];
  for (const [i, check] of checks.entries()) {
    const task = check.check_mode === undefined ? { ...check, check_mode: false } : check;
    const started = Date.now();
    const targets = check.run_once ? scope.hosts.slice(0, 1) : scope.hosts;
    run.bus.emit({ type: 'task:start', phase: 'preflight', task: check.name, taskIndex: i, hosts: targets, loc: `${check.loc.file}:${check.loc.line}` });
    const outcomes = await mapLimit(targets, run.options.forks, (host) => runner.runOnHost(task, host, 'preflight', i));
    // one answer for the whole play (the snapshot's status, say): every host sees it
    if (check.run_once && targets[0]) runner.shareRunOnce(check, targets[0], scope.hosts.slice(1));
    for (const o of outcomes) {
      const ok = o.status !== 'failed';
      run.bus.emit({ type: 'preflight:check', host: o.host, check: check.name, ok, message: ok ? undefined : o.error });
      if (!ok) failures.push({ host: o.host, check: check.name, message: o.error ?? 'failed' });
    }
    run.bus.emit({ type: 'task:end', phase: 'preflight', task: check.name, taskIndex: i, durationMs: Date.now() - started, failedHosts: failures.filter((f) => f.check === check.name).map((f) => f.host) });
  }
  run.bus.emit({ type: 'preflight:end', play: play.name, ok: failures.length === 0, failures: failures.length });
  return failures;
}
