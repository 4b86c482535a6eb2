import type { CronSpec } from '../../../src/schedule/cron.js';
import type { TickSource } from '../../../src/schedule/cron-ticks.js';
import type { ScheduledJob } from '../../../src/schedule/job-schema.js';

export function job(name: string, extra: Partial<ScheduledJob> = {}): ScheduledJob {
  return {
    name,
    playbook: '/ops/playbooks/etcd-backup.yaml',
    inventory: ['/ops/inventory/prod.yaml'],
    cron: '*/5 * * * * *',
    extraVars: [],
    yes: true,
    runsDir: '/ops/.runbook/runs',
    lock: 'file',
    lockWait: 0,
    ...extra,
  };
}

/** ticks fired by the test, not by a clock */
export class ManualTicks implements TickSource {
  private readonly listeners = new Map<string, (at: Date) => void>();
  watch(spec: CronSpec, onTick: (at: Date) => void) {
    this.listeners.set(spec.cron, onTick);
    return { stop: () => this.listeners.delete(spec.cron), next: () => new Date('2030-01-01T00:00:00Z') };
  }
  fire(cron: string, at: Date): void {
    this.listeners.get(cron)?.(at);
  }
  get watching(): number {
    return this.listeners.size;
  }
}

/** a promise with its resolve, for runs the test finishes when it wants */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
