/**
 * From validated YAML data to the Play and Task objects the engine runs: defaults filled in,
 * one spelling for every either-or (`tags: a` and `tags: [a]`), and locations kept.
 */
import type { SourceLocation } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import type { ModuleCall } from './module-args.js';
import type { Play, Serial, Task } from './types.js';
import type { YamlPath, YamlSource } from './yaml-source.js';

type Raw = Record<string, unknown>;

/** Ansible's defaults for `until`: 3 retries, 5 seconds apart */
export const UNTIL_DEFAULTS = { retries: 3, delay: 5 };

export function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** `tags: "a, b"` is two tags, as in Ansible */
export function tagList(v: unknown): string[] {
  return asList(v)
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
}

/** `when: false` is the expression `false`; lists keep their order */
function conditionText(v: unknown): string | string[] | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map((x) => String(x));
  return String(v);
}

function flagOrCondition(v: unknown): string | boolean | string[] | undefined {
  if (v === undefined || typeof v === 'boolean') return v as boolean | undefined;
  return conditionText(v);
}

function confirmText(v: unknown, fallback: string): string | undefined {
  if (v === undefined || v === false) return undefined;
  return v === true ? fallback : String(v);
}

/** where every key's value sits: `when`, `when.1`, `vars.x` */
function fieldLocations(raw: Raw, path: YamlPath, source: YamlSource, skip: ReadonlySet<string>): Record<string, SourceLocation> {
  const out: Record<string, SourceLocation> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (skip.has(key)) continue;
    out[key] = source.loc([...path, key]);
    if (Array.isArray(value) && key !== 'tasks' && key !== 'preflight' && key !== 'handlers' && key !== 'rollback') {
      value.forEach((_, i) => (out[`${key}.${i}`] = source.loc([...path, key, i])));
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const k of Object.keys(value)) out[`${key}.${k}`] = source.loc([...path, key, k]);
    }
  }
  return out;
}

export interface TaskInput {
  raw: Raw;
  path: YamlPath;
  call: ModuleCall;
  moduleKey: string;
  rollback: Task[];
}

export function toTask({ raw, path, call, moduleKey, rollback }: TaskInput, source: YamlSource): Task {
  const loopControl = (raw.loop_control ?? {}) as { loop_var?: string; label?: string };
  const name = raw.name !== undefined ? String(raw.name) : call.module.name;
  const task: Task = {
    name,
    module: call.module.name,
    args: call.args,
    tags: tagList(raw.tags),
    notify: asList(raw.notify),
    rollback,
    loc: source.loc(path),
    argLocs: call.argLocs,
    fieldLocs: fieldLocations(raw, path, source, new Set([moduleKey, 'rollback'])),
  };
  const set = <K extends keyof Task>(key: K, value: Task[K] | undefined) => {
    if (value !== undefined) task[key] = value;
  };
  set('when', conditionText(raw.when));
  set('register', raw.register as string | undefined);
  set('until', raw.until === undefined ? undefined : String(raw.until));
  set('retries', (raw.retries as number | string | undefined) ?? (raw.until !== undefined ? UNTIL_DEFAULTS.retries : undefined));
  set('delay', (raw.delay as number | string | undefined) ?? (raw.until !== undefined ? UNTIL_DEFAULTS.delay : undefined));
  set('run_once', raw.run_once as boolean | undefined);
  set('delegate_to', raw.delegate_to as string | undefined);
  set('loop', raw.loop);
  set('loop_var', loopControl.loop_var);
  set('loop_label', loopControl.label);
  set('changed_when', flagOrCondition(raw.changed_when));
  set('failed_when', flagOrCondition(raw.failed_when));
  set('ignore_errors', raw.ignore_errors as boolean | undefined);
  set('become', raw.become as boolean | undefined);
  set('become_user', raw.become_user as string | undefined);
  set('timeout', raw.timeout as number | string | undefined);
  set('confirm', confirmText(raw.confirm, `Run "${name}"?`));
  set('no_log', raw.no_log as boolean | undefined);
  set('rollback_idempotent', raw.rollback_idempotent as boolean | undefined);
  set('check_mode', raw.check_mode as boolean | undefined);
  set('vars', raw.vars as Vars | undefined);
  return task;
}

export interface PlayInput {
  raw: Raw;
  path: YamlPath;
  preflight: Task[];
  tasks: Task[];
  handlers: Task[];
  rollback: Task[];
}

export function toPlay({ raw, path, preflight, tasks, handlers, rollback }: PlayInput, source: YamlSource): Play {
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.map(String).join(',') : String(raw.hosts);
  const name = raw.name !== undefined ? String(raw.name) : hosts;
  const play: Play = {
    name,
    hosts,
    vars: (raw.vars ?? {}) as Vars,
    vars_files: asList(raw.vars_files),
    preflight,
    tasks,
    handlers,
    rollback,
    tags: tagList(raw.tags),
    loc: source.loc(path),
    fieldLocs: fieldLocations(raw, path, source, new Set()),
  };
  if (raw.serial !== undefined) play.serial = raw.serial as Serial;
  if (raw.max_fail_percentage !== undefined) play.max_fail_percentage = raw.max_fail_percentage as number;
  if (raw.become !== undefined) play.become = raw.become as boolean;
  if (raw.become_user !== undefined) play.become_user = raw.become_user as string;
  const confirm = confirmText(raw.confirm, `Run "${name}"?`);
  if (confirm !== undefined) play.confirm = confirm;
  return play;
}
