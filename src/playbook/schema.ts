/**
 * The shape of a playbook as one zod schema: plays, tasks, handlers, preflight and rollback
 * lists, and their keys. Module arguments are checked by each module's own schema
 * (module-args.ts); here a module key is only a name. json-schema.ts builds the same schema
 * with the modules' argument schemas plugged in, for editors.
 */
import { z } from 'zod';
import { moduleNames } from '../modules/registry.js';
import type { Module } from '../modules/types.js';
import { getModule } from '../modules/registry.js';
import { ANSIBLE_BUILTIN_MODULES } from './keywords.js';

/** what a module key holds: `z.unknown()` for validation, the argument schema for editors */
export type ModuleValueSchema = (module: Module) => z.ZodType;

const condition = z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()]))]);
const nameOrNames = z.union([z.string(), z.array(z.string())]);
const percent = z.string().regex(/^\d+(\.\d+)?%$/);
const batchSize = z.union([z.number().int().min(1), percent]);
/** a number as written, or a template (`"{{ retries }}"`) the task renders per host */
const numberOrTemplate = (n: z.ZodNumber) => z.union([n, z.string().regex(/\{\{/)]);

function taskFields() {
  return {
    name: z.string().describe('what the step does, shown while it runs and in the plan (templated)').optional(),
    when: condition.describe('run only when this holds: a bare expression (`result.rc == 0`), a boolean, or a list that must all hold').optional(),
    register: z.string().describe('save the result under this variable name for later tasks').optional(),
    until: z.union([z.string(), z.boolean()]).describe('repeat the task until this holds (with `retries`, default 3, and `delay`, default 5 s)').optional(),
    retries: numberOrTemplate(z.number().int().min(0)).describe('how many times `until` retries (a whole number, or a template)').optional(),
    delay: numberOrTemplate(z.number().min(0)).describe('seconds between `until` retries (a number, or a template)').optional(),
    run_once: z.boolean().describe('run on the first host of the batch only; its result is shared with the others').optional(),
    delegate_to: z.string().describe('run on this inventory host (or localhost) instead, on behalf of each targeted host').optional(),
    loop: z.union([z.array(z.unknown()), z.string()]).describe('run once per item; the item is `item` (or `loop_control.loop_var`)').optional(),
    loop_control: z
      .strictObject({
        loop_var: z.string().describe('name of the loop variable instead of `item`').optional(),
        label: z.string().describe('what to show for each item instead of the whole item').optional(),
      })
      .describe('how the loop names its item')
      .optional(),
    changed_when: condition.describe('report "changed" when this holds, instead of what the module says').optional(),
    failed_when: condition.describe('fail when this holds, instead of what the module says').optional(),
    ignore_errors: z.boolean().describe('carry on when the task fails').optional(),
    become: z.boolean().describe('run with sudo').optional(),
    become_user: z.string().describe('sudo to this user (default root)').optional(),
    timeout: numberOrTemplate(z.number().positive()).describe('seconds a command of this task may take (a number, or a template)').optional(),
    tags: nameOrNames.describe('select or skip the task with --tags / --skip-tags').optional(),
    confirm: z.union([z.string(), z.boolean()]).describe('ask the operator before this task (the message), unless --yes').optional(),
    no_log: z.boolean().describe('keep arguments and output out of logs and run records (secrets)').optional(),
    check_mode: z.boolean().describe('false: run even under --check (the task only reads); true: always run as a check').optional(),
    vars: z.record(z.string(), z.unknown()).describe('variables for this task only').optional(),
    args: z.record(z.string(), z.unknown()).describe("module arguments, merged under the module's own (Ansible's `args:`)").optional(),
  };
}

/** every spelling of every registered module: `shell`, `ansible.builtin.shell`, `ansible.legacy.shell` */
export function moduleKeys(opts: { legacy?: boolean } = {}): Map<string, Module> {
  const keys = new Map<string, Module>();
  for (const name of moduleNames()) keys.set(name, getModule(name)!);
  for (const [alias, target] of Object.entries(ANSIBLE_BUILTIN_MODULES)) {
    const m = getModule(target);
    if (!m) continue;
    keys.set(`ansible.builtin.${alias}`, m);
    if (opts.legacy !== false) keys.set(`ansible.legacy.${alias}`, m);
  }
  return keys;
}

export interface PlaybookSchemas {
  task: z.ZodObject;
  preflightTask: z.ZodObject;
  rollbackTask: z.ZodObject;
  handler: z.ZodObject;
  play: z.ZodObject;
  playbook: z.ZodType;
}

export interface BuildOptions {
  /** accept `ansible.legacy.X` spellings (validation does; editors need not offer them) */
  legacy?: boolean;
  /** name the play and task schemas, so JSON Schema shares one definition of each */
  ids?: boolean;
}

/** The playbook schema with module keys holding `moduleValue(module)`. */
export function buildSchemas(moduleValue: ModuleValueSchema, opts: BuildOptions = {}): PlaybookSchemas {
  const modules: Record<string, z.ZodType> = {};
  for (const [key, m] of moduleKeys(opts)) modules[key] = moduleValue(m).optional();
  const named = <T extends z.ZodType>(schema: T, id: string): T => (opts.ids ? schema.meta({ id }) : schema);
  const base = { ...taskFields(), ...modules };
  const rollbackTask = named(z.strictObject(base).describe('a step that undoes part of what the task or play did'), 'rollback_task');
  const rollback = z.array(rollbackTask).describe('steps that undo this, run in reverse order when the run fails after it');
  const notify = nameOrNames.describe('handlers to run at the end of the play if this task changed something');
  const rollbackIdempotent = z
    .boolean()
    .describe('its rollback steps are safe to run twice, and without its own result: `runbook rollback` then also undoes it when the controller died while it ran')
    .optional();
  const task = named(z.strictObject({ ...base, rollback: rollback.optional(), rollback_idempotent: rollbackIdempotent, notify: notify.optional() }).describe('one step: a module and its arguments'), 'task');
  const preflightTask = named(z.strictObject(base).describe('a read-only check run on every host before anything changes'), 'preflight_task');
  const handler = named(
    z
      .strictObject({ ...base, notify: notify.optional() })
      .describe('a task run once at the end of the play when notified'),
    'handler',
  );

  const play = named(
    z
    .strictObject({
      name: z.string().describe('what the play does (default: its hosts pattern)').optional(),
      hosts: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe('inventory host pattern: `etcd`, `etcd:!node3`, `node1,node2`'),
      vars: z.record(z.string(), z.unknown()).describe('variables for every task of the play').optional(),
      vars_files: nameOrNames.describe('YAML files of variables, relative to the playbook').optional(),
      serial: z.union([batchSize, z.array(batchSize).min(1)]).describe('hosts per batch: a number, "30%", or a list for growing batches ([1, "50%"])').optional(),
      max_fail_percentage: z.number().min(0).max(100).describe('stop when more than this percentage of a batch failed (default: any failure stops)').optional(),
      become: z.boolean().describe('run every task with sudo').optional(),
      become_user: z.string().describe('sudo to this user (default root)').optional(),
      gather_facts: z.literal(false).describe('accepted for Ansible compatibility; runbook never gathers facts').optional(),
      preflight: z.array(preflightTask).describe('read-only checks run on every host before anything changes; any failure stops the run (exit 3)').optional(),
      confirm: z.union([z.string(), z.boolean()]).describe('ask the operator before changing anything (the message), unless --yes').optional(),
      tasks: z.array(task).describe('the steps, in order').optional(),
      handlers: z.array(handler).describe('tasks run at the end of the play when notified').optional(),
      rollback: z.array(rollbackTask).describe("steps run when the play fails, after the tasks' own rollbacks").optional(),
      tags: nameOrNames.describe('tags every task of the play inherits').optional(),
    })
    .describe('a play: which hosts, and what to do on them'),
    'play',
  );
  const playbook = z.union([play, z.array(play).min(1)]).describe('a runbook playbook: one play or a list of plays');
  return { task, preflightTask, rollbackTask, handler, play, playbook };
}

let cached: { key: string; schemas: PlaybookSchemas } | undefined;

/** The structure schema for validation (module keys accept anything; module-args.ts checks them). */
export function playbookSchemas(): PlaybookSchemas {
  // modules may be registered after start-up (etcd); rebuild when the set changes
  const key = moduleNames().join(',');
  if (cached?.key !== key) cached = { key, schemas: buildSchemas(() => z.unknown()) };
  return cached.schemas;
}

export type TaskKind = 'task' | 'preflight' | 'handler' | 'rollback';

/** The keys (not modules) a task of this kind may have */
export function taskKeyNames(kind: TaskKind): string[] {
  const s = playbookSchemas();
  const schema = { task: s.task, preflight: s.preflightTask, handler: s.handler, rollback: s.rollbackTask }[kind];
  const modules = moduleKeys();
  return Object.keys(schema.shape).filter((k) => !modules.has(k));
}

export function playKeyNames(): string[] {
  return Object.keys(playbookSchemas().play.shape);
}
