import type { TaskStatus } from '../events/types.js';
import type { Task } from '../playbook/types.js';
import type { RegisteredResult } from './registered-result.js';

/** What a finished task did to its host that matters when a run stops half-way. */
export interface TaskEffect {
  /** a service the task started, stopped or failed to start */
  service?: string;
  serviceState?: 'running' | 'stopped' | 'start failed';
  /** a file the task wrote, and where the old one was kept */
  file?: string;
  backup?: string;
}

const SERVICE_MODULES = new Set(['systemd', 'service']);

/**
 * Read from the module and its result, not from the task's name: "node3: etcd STOPPED" must be
 * true whatever the playbook calls its steps.
 */
export function effectOf(task: Task, status: TaskStatus, r: RegisteredResult): TaskEffect | undefined {
  if (SERVICE_MODULES.has(task.module)) {
    const state = (task.args as { state?: unknown }).state;
    const service = typeof r.name === 'string' ? r.name : typeof (task.args as { name?: unknown }).name === 'string' ? String((task.args as { name: string }).name) : undefined;
    if (!service || typeof state !== 'string') return undefined;
    if (status === 'failed') return state === 'stopped' ? undefined : { service, serviceState: 'start failed' };
    if (status !== 'ok' && status !== 'changed') return undefined;
    return { service, serviceState: state === 'stopped' ? 'stopped' : 'running' };
  }
  if (status === 'changed' && typeof r.path === 'string') {
    return { file: r.path, backup: typeof r.backup_file === 'string' ? r.backup_file : undefined };
  }
  return undefined;
}
