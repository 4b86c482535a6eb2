import { SKIPPED_AT_STEP } from './step-question.js';
import type { HostRecap, RunEvent } from '../events/types.js';

/** Builds the end-of-run recap by watching the event stream, like any reporter. */
export class RecapCollector {
  readonly hosts = new Map<string, HostRecap>();

  constructor(hosts: string[] = []) {
    for (const h of hosts) this.entry(h);
  }

  private entry(host: string): HostRecap {
    let r = this.hosts.get(host);
    if (!r) {
      r = { ok: 0, changed: 0, failed: 0, skipped: 0, ignored: 0, rolled_back: 0, rollback_failed: 0, unreachable: false, state: 'not started' };
      this.hosts.set(host, r);
    }
    return r;
  }

  readonly listener = (e: RunEvent): void => {
    switch (e.type) {
      case 'host:connect':
        if (!e.ok) {
          const r = this.entry(e.host);
          r.unreachable = true;
          r.state = `unreachable: ${e.error ?? ''}; nothing was changed`;
        }
        break;
      case 'host:end': {
        if (e.phase === 'rollback' || e.phase === 'preflight') break;
        const r = this.entry(e.host);
        r[e.status === 'changed' ? 'changed' : e.status]++;
        if (e.status === 'changed') r.ok++;
        if (e.status === 'failed') r.failure ??= `${e.task}: ${e.msg ?? 'failed'}`;
        if (e.status === 'skipped' && e.msg === SKIPPED_AT_STEP) (r.skipped_at_step ??= []).push(e.task);
        break;
      }
      case 'rollback:step': {
        const r = this.entry(e.host);
        if (e.status === 'failed') {
          r.rollback_failed++;
          const why = `undo "${e.undoes}": ${e.step}: ${e.msg ?? 'failed'}`;
          r.failure = r.failure ? `${r.failure}\n${why}` : why;
        }
        else if (e.status !== 'skipped') r.rolled_back++;
        break;
      }
      case 'rollback:end':
        for (const [h, state] of Object.entries(e.hosts)) this.entry(h).state = state;
        break;
      default:
        break;
    }
  };

  /** final state for hosts that were not rolled back */
  finish(status: 'ok' | 'failed' | 'check' | 'not-started'): Record<string, HostRecap> {
    for (const r of this.hosts.values()) {
      if (r.state !== 'not started') continue;
      if (status === 'ok') {
        r.state = r.failed ? 'done, with ignored failures' : r.changed ? 'changed as planned' : 'already as planned (no change)';
        if (r.skipped_at_step) r.state += `, except ${r.skipped_at_step.length} task(s) skipped at --step`;
      }
      else if (status === 'check') r.state = 'check mode: nothing was changed';
      else if (status === 'not-started') r.state = 'nothing was changed';
      else r.state = r.ok + r.changed + r.failed === 0 ? 'nothing was changed' : 'left as the failed run found it (no rollback steps)';
    }
    return Object.fromEntries(this.hosts);
  }
}
