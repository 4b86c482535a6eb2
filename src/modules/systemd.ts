import { z } from 'zod';
import { quote } from '../transport/shell-quote.js';
import { execOnHost } from './lib/exec.js';
import type { Module, ModuleResult } from './types.js';
import { logTail, withLogTail } from './lib/log-tail.js';

const schema = z
  .object({
    name: z
      .string()
      .min(1)
      // no leading '-': systemctl would read the name as an option (the commands also pass `--`)
      .regex(/^[^\s/-][^\s/]*$/, { message: 'must be a unit name such as etcd or etcd.service (not starting with -)' })
      .describe('unit name, e.g. etcd or kubelet.service'),
    state: z
      .enum(['started', 'stopped', 'restarted', 'reloaded'])
      .optional()
      .describe('started/stopped change only when needed; restarted and reloaded always act (reloaded starts a stopped unit)'),
    enabled: z.boolean().optional().describe('start at boot (systemctl enable/disable)'),
    daemon_reload: z.boolean().optional().describe('run systemctl daemon-reload first (after editing a unit file)'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.state === undefined && a.enabled === undefined && !a.daemon_reload) {
      ctx.addIssue({ code: 'custom', message: 'give at least one of state, enabled or daemon_reload' });
    }
  });

export type SystemdArgs = z.infer<typeof schema>;

export interface SystemdData {
  name: string;
  /** `systemctl is-active` before the task */
  active_before?: string;
  /** `systemctl is-enabled` before the task */
  enabled_before?: string;
  actions: string[];
  [key: string]: unknown;
}

// systemd counts a unit that is starting or reloading as running: starting it again is a no-op
const RUNNING = new Set(['active', 'activating', 'reloading']);
// these cannot be enabled or disabled: they have no [Install] section or are enabled by another unit
const FIXED_ENABLEMENT = new Set(['static', 'indirect', 'generated', 'transient']);

type SystemdResult = ModuleResult & { data: SystemdData };

/**
 * Start, stop, restart, reload, enable or disable a unit. Only the plain systemctl verbs are
 * used (no D-Bus, no `show`), so the same commands work with real systemd and with the
 * systemctl replacement script used in containers.
 */
export const systemd = {
  name: 'systemd',
  summary: 'start, stop, restart, reload, enable or disable a systemd unit',
  schema,
  readOnly: false,
  describe(a) {
    const parts: string[] = [];
    if (a.daemon_reload) parts.push('systemctl daemon-reload');
    if (a.enabled !== undefined) parts.push(`systemctl ${a.enabled ? 'enable' : 'disable'} ${a.name}`);
    if (a.state !== undefined) parts.push(`systemctl ${VERB[a.state]} ${a.name}`);
    return parts.join(' && ');
  },
  async run(ctx, a): Promise<SystemdResult> {
    const data: SystemdData = { name: a.name, actions: [] };
    const unit = quote(a.name);
    /** run one verb (not in check mode); a failure is returned, success recorded in data.actions */
    const act = async (verb: string): Promise<SystemdResult | undefined> => {
      if (!ctx.check) {
        const r = await execOnHost(ctx, `systemctl ${verb} -- ${unit}`);
        if (r.exitCode !== 0) {
          // why it did not start is in the unit's log, not in systemctl's answer
          const why = STARTS.has(verb) ? await logTail(ctx, { unit: a.name }, 10) : [];
          return failure(r, withLogTail(`systemctl ${verb} ${a.name} failed${firstLine(r.stderr)}`, why, a.name), data);
        }
      }
      data.actions.push(verb);
      return undefined;
    };

    if (a.daemon_reload && !ctx.check) {
      const r = await execOnHost(ctx, 'systemctl daemon-reload');
      if (r.exitCode !== 0) return failure(r, 'systemctl daemon-reload failed', data);
      // like Ansible: reloading unit files is not counted as a change of this unit
    }

    if (a.enabled !== undefined) {
      const r = await execOnHost(ctx, `systemctl is-enabled -- ${unit}`);
      const said = firstWord(r.stdout);
      data.enabled_before = said;
      if (said === '') {
        return failure(r, `could not find the unit ${a.name}: ${r.stderr.trim() || `systemctl is-enabled exited ${r.exitCode}`}`, data);
      }
      if (said === 'masked' && a.enabled) return { changed: false, failed: true, msg: `${a.name} is masked; unmask it before enabling`, data };
      const isEnabled = r.exitCode === 0;
      if (!FIXED_ENABLEMENT.has(said) && isEnabled !== a.enabled) {
        const failed = await act(a.enabled ? 'enable' : 'disable');
        if (failed) return failed;
      }
    }

    if (a.state !== undefined) {
      const r = await execOnHost(ctx, `systemctl is-active -- ${unit}`);
      const said = firstWord(r.stdout);
      data.active_before = said;
      const verb = verbFor(a.state, RUNNING.has(said));
      if (verb !== undefined) {
        const failed = await act(verb);
        if (failed) return failed;
      }
    }

    if (data.actions.length === 0) return { changed: false, msg: `${a.name} already as wanted`, data };
    const done = data.actions.map((v) => (ctx.check ? v : PAST[v])).join(', ');
    return { changed: true, msg: `${a.name}: ${ctx.check ? 'would ' : ''}${done}`, data };
  },
} satisfies Module<SystemdArgs>;

const STARTS = new Set(['start', 'restart', 'reload']);

function firstLine(stderr: string): string {
  const line = stderr.trim().split('\n')[0]?.trim();
  return line ? `: ${line}` : '';
}

const VERB = { started: 'start', stopped: 'stop', restarted: 'restart', reloaded: 'reload' } as const;
const PAST: Record<string, string> = {
  start: 'started',
  stop: 'stopped',
  restart: 'restarted',
  reload: 'reloaded',
  enable: 'enabled',
  disable: 'disabled',
};

/** The systemctl verb the wanted state needs, or undefined when the unit is already there. */
function verbFor(state: NonNullable<SystemdArgs['state']>, running: boolean): string | undefined {
  switch (state) {
    case 'started':
      return running ? undefined : 'start';
    case 'stopped':
      return running ? 'stop' : undefined;
    case 'restarted':
      return 'restart';
    case 'reloaded':
      // reloading a stopped unit fails; Ansible starts it instead
      return running ? 'reload' : 'start';
  }
}

function firstWord(stdout: string): string {
  return stdout.trim().split(/\s+/)[0] ?? '';
}

/** A failed systemctl call; what already ran before it (an enable before a failed start) still counts as changed. */
function failure(r: { exitCode: number; stdout: string; stderr: string }, msg: string, data: SystemdData): SystemdResult {
  return { changed: data.actions.length > 0, failed: true, msg, rc: r.exitCode, stdout: r.stdout, stderr: r.stderr, data };
}
