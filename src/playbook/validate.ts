/**
 * validatePlaybook: what loading cannot know alone. Every variable a template, condition or
 * expression argument reads must be defined where it is read: by a built-in, play vars,
 * vars_files, task vars, an earlier `register:` or fact, a loop variable, extra vars, or (with an
 * inventory) the inventory vars of every host the play targets. The engine runs this before
 * `apply` and `plan`; `runbook validate` prints it.
 *
 * Without an inventory a name the playbook does not define may still come from it, so that is a
 * warning ("pass -i to check"), not an error. Names under `is defined` or `| default(...)` are
 * fine anywhere.
 */
import type { ConfigProblem, SourceLocation } from '../errors.js';
import type { Inventory, Vars } from '../inventory/types.js';
import { checkTemplate, isTemplate, render, templateReferences, TemplateError } from '../template/index.js';
import { visibleNames } from '../template/names.js';
import { getModule } from '../modules/registry.js';
import { closest } from '../util/suggest.js';
import { BUILTIN_VARIABLES, LOOP_VARIABLES } from './builtins.js';
import { EXPRESSION_ARGS } from './expression-args.js';
import type { Play, Playbook, Task } from './types.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { readVarsFilesSync } from './vars-files.js';
import { isEngineReadVariable } from './engine-variables.js';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveControllerPath } from '../modules/lib/controller-path.js';

export type Severity = 'error' | 'warning';

export interface ValidationProblem extends ConfigProblem {
  severity: Severity;
}

export interface ValidateOptions {
  /** check inventory variables for the hosts each play targets */
  inventory?: Inventory;
  /** `-e` variables: defined everywhere */
  extraVars?: Vars;
  /**
   * The names given one by one on the command line (`-e name=value`, `-e '{"name": ...}'`, not
   * `-e @file`, which may hold vars for many playbooks). Each must be read by the run: a name
   * nothing reads is a typo until said otherwise (`allowUnread`).
   */
  extraVarNames?: readonly string[];
  /** names given on purpose although nothing reads them (`--allow-unused-var NAME`) */
  allowUnread?: readonly string[];
  /** vault passwords for `vars_files` encrypted whole or holding `!vault` values */
  vault?: VaultKeyring;
}

type Scope = ReadonlySet<string>;

interface Definition {
  how: string;
  loc: SourceLocation;
}

interface TextOptions {
  expression?: boolean;
  /** names guarded elsewhere in the same condition list */
  guards?: ReadonlySet<string>;
  /** only play-level names count here (hosts, vars_files paths): never inventory vars */
  noInventory?: boolean;
}

const CONDITION_KEYS = ['changed_when', 'failed_when'] as const;

/** the facts a task sets (its module says; set_fact's keys while its arguments are still templates) */
export function factsOf(task: Task): string[] {
  const module = getModule(task.module);
  try {
    return module?.factNames?.(task.args as never) ?? [];
  } catch {
    // arguments still hold templates the module cannot read yet
    return task.module === 'set_fact' ? Object.keys(task.args) : [];
  }
}

export function walkTasks(tasks: readonly Task[], visit: (t: Task) => void): void {
  for (const t of tasks) {
    visit(t);
    walkTasks(t.rollback, visit);
  }
}

class PlaybookValidator {
  readonly problems: ValidationProblem[] = [];
  /** registered results and facts: they live on the host for the rest of the run */
  private readonly carried = new Set<string>();
  /** where every name the playbook defines is defined, for "registered later" hints */
  private readonly definitions = new Map<string, Definition>();
  private readonly hostNames = new Map<string, Set<string>>();
  private hosts: string[] | undefined;
  private warned = new Set<string>();
  private readonly reported = new Set<string>();
  /** every name any template, condition or expression of the playbook reads, and every name it declares */
  private readonly read = new Set<string>();
  /** a template file whose path is itself a template: what it reads cannot be known before the run */
  private opaque = false;

  constructor(
    private readonly playbook: Playbook,
    private readonly opts: ValidateOptions,
  ) {
    for (const play of playbook.plays) {
      walkTasks([...play.preflight, ...play.tasks, ...play.handlers, ...play.rollback], (t) => {
        const define = (name: string, how: string) => {
          if (!this.definitions.has(name)) this.definitions.set(name, { how, loc: t.fieldLocs?.register ?? t.loc });
        };
        if (t.register) define(t.register, 'registered');
        for (const f of factsOf(t)) define(f, 'set');
        if (t.loop !== undefined) define(t.loop_var ?? 'item', 'a loop variable');
        for (const v of Object.keys(t.vars ?? {})) define(v, 'a task variable');
      });
    }
  }

  private add(p: ValidationProblem): void {
    const key = `${p.severity}\0${p.message}\0${p.loc?.file}:${p.loc?.line}:${p.loc?.col}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push(p);
  }

  validate(): ValidationProblem[] {
    for (const play of this.playbook.plays) this.play(play);
    this.unreadExtraVars();
    return this.problems;
  }

  /** the names a `template:` task's file reads count as read by the playbook */
  private templateFileReads(src: unknown): void {
    if (typeof src !== 'string' || isTemplate(src)) {
      this.opaque = true;
      return;
    }
    try {
      const file = resolveControllerPath({ playbook_dir: dirname(this.playbook.file) }, src, 'templates');
      for (const r of templateReferences(readFileSync(file, 'utf8'))) this.read.add(r.name);
    } catch {
      // a missing or broken file fails its task; its names stay unknown
      this.opaque = true;
    }
  }

  /** `-e backup_dri=/tmp/x` must not run with the default backup_dir: refuse what nothing reads */
  private unreadExtraVars(): void {
    if (this.opaque) return;
    const allowed = new Set(this.opts.allowUnread ?? []);
    const known = [...this.read].filter((n) => !allowed.has(n));
    for (const name of new Set(this.opts.extraVarNames ?? [])) {
      if (this.read.has(name) || allowed.has(name) || isEngineReadVariable(name)) continue;
      const match = closest(name, known);
      this.add({
        severity: 'error',
        message: `extra var \`${name}\` (-e) is not read by ${this.playbook.file}: nothing in it would use the value`,
        loc: { file: this.playbook.file, line: 1, col: 1 },
        hint: `${match !== undefined ? `did you mean \`${match}\`? ` : ''}to pass it on purpose, add --allow-unused-var ${name}`,
      });
    }
  }

  private namesOfHost(host: string): Set<string> {
    let names = this.hostNames.get(host);
    if (!names) {
      names = new Set(visibleNames(this.opts.inventory!.varsFor(host)));
      this.hostNames.set(host, names);
    }
    return names;
  }

  private play(play: Play): void {
    const { inventory } = this.opts;
    const extra = Object.keys(this.opts.extraVars ?? {});
    const at = (key: string) => play.fieldLocs?.[key] ?? play.loc;
    this.warned = new Set();

    const varsFiles = readVarsFilesSync(play.vars_files, this.playbook.file, { ...play.vars, ...this.opts.extraVars }, (i) => play.fieldLocs?.[`vars_files.${i}`] ?? at('vars_files'), this.opts.vault);
    for (const p of varsFiles.problems) this.add({ ...p, severity: 'error' });
    const fileNames = varsFiles.files.flatMap((f) => Object.keys(f.vars));

    for (const name of [...Object.keys(play.vars), ...fileNames]) this.read.add(name);
    const playLevel = new Set([...extra, ...Object.keys(play.vars), 'groups']);
    this.hosts = undefined;
    this.text(play.hosts, at('hosts'), playLevel, { noInventory: true });
    play.vars_files.forEach((f, i) => this.text(f, play.fieldLocs?.[`vars_files.${i}`] ?? at('vars_files'), playLevel, { noInventory: true }));

    // the hosts pattern may use extra vars and play vars (`hosts: "{{ target }}"`)
    const pattern = isTemplate(play.hosts) ? renderSafely(play.hosts, { ...play.vars, ...this.opts.extraVars }) : play.hosts;
    if (inventory && pattern === undefined) this.hosts = [];
    else if (inventory && pattern !== undefined) {
      try {
        this.hosts = inventory.select(pattern);
        if (this.hosts.length === 0) {
          this.add({ severity: 'warning', message: `hosts \`${play.hosts}\` matches no host of the inventory`, loc: at('hosts'), hint: 'this play will do nothing' });
        }
      } catch (err) {
        const problems = (err as { problems?: ConfigProblem[] }).problems ?? [{ message: (err as Error).message }];
        for (const p of problems) this.add({ ...p, loc: p.loc ?? at('hosts'), severity: 'error' });
        this.hosts = [];
      }
    }

    const base = new Set([...BUILTIN_VARIABLES, ...extra, ...Object.keys(play.vars), ...fileNames, ...this.carried]);
    // everything the play ever defines: play vars are rendered when a task reads them, so they may use later names
    const everything = new Set(base);
    walkTasks([...play.preflight, ...play.tasks, ...play.handlers, ...play.rollback], (t) => {
      if (t.register) everything.add(t.register);
      for (const f of factsOf(t)) everything.add(f);
    });

    this.text(play.name, at('name'), base);
    for (const [k, v] of Object.entries(play.vars)) this.value(v, play.fieldLocs?.[`vars.${k}`] ?? at('vars'), everything);
    for (const f of varsFiles.files) {
      for (const [k, v] of Object.entries(f.vars)) this.value(v, f.source.loc([k]), everything);
    }

    const scope = new Set(base);
    const run = (task: Task) => {
      for (const name of this.task(task, scope)) {
        scope.add(name);
        this.carried.add(name);
      }
    };
    play.preflight.forEach(run);
    // the question is asked after preflight, and may show what preflight found
    if (play.confirm !== undefined) this.text(play.confirm, at('confirm'), scope);
    play.tasks.forEach(run);
    for (const handler of play.handlers) {
      for (const name of this.task(handler, scope)) this.carried.add(name);
    }
    for (const task of play.rollback) this.task(task, everything);
  }

  /** check one task; returns the names it defines for the tasks after it */
  private task(task: Task, scope: Scope): string[] {
    const at = (key: string) => task.fieldLocs?.[key] ?? task.loc;
    const inner = new Set([...scope, ...Object.keys(task.vars ?? {})]);
    const itemScope = task.loop === undefined ? inner : new Set([...inner, task.loop_var ?? 'item', ...LOOP_VARIABLES]);

    // `when: x is defined` means the task never runs without x: everything in it may use x
    const guards = this.guardsOf(task.when);
    if (task.loop !== undefined) this.value(task.loop, at('loop'), inner, guards);
    this.text(task.name, at('name'), itemScope, { guards });
    this.conditions(task.when, 'when', task, itemScope, guards);
    for (const [k, v] of Object.entries(task.vars ?? {})) this.value(v, at(`vars.${k}`), itemScope, guards);

    if (task.module === 'template') this.templateFileReads(task.args.src);
    const expressionArgs = EXPRESSION_ARGS[task.module] ?? [];
    for (const [arg, value] of Object.entries(task.args)) {
      const loc = task.argLocs[arg] ?? task.loc;
      if (expressionArgs.includes(arg)) {
        const items = Array.isArray(value) ? value : [value];
        items.forEach((e, i) => typeof e === 'string' && this.text(e, task.argLocs[`${arg}.${i}`] ?? loc, itemScope, { expression: true, guards }));
      } else {
        this.value(value, loc, itemScope, guards);
      }
    }
    for (const key of ['delegate_to', 'become_user', 'confirm', 'loop_label', 'retries', 'delay', 'timeout'] as const) {
      const v = task[key];
      if (typeof v === 'string') this.text(v, at(key === 'loop_label' ? 'loop_control' : key), itemScope, { guards });
    }

    const withResult = task.register ? new Set([...itemScope, task.register]) : itemScope;
    if (task.until !== undefined) this.text(task.until, at('until'), withResult, { expression: true, guards });
    for (const key of CONDITION_KEYS) this.conditions(task[key], key, task, withResult, guards);

    const defined = [...(task.register ? [task.register] : []), ...factsOf(task)];
    // the undo steps run in order on each host: a step sees what the steps before it registered
    const undoScope = new Set([...scope, ...defined]);
    for (const r of task.rollback) for (const name of this.task(r, undoScope)) undoScope.add(name);
    return defined;
  }

  /** names a condition tests with `is defined` / `default` */
  private guardsOf(cond: string | boolean | string[] | undefined): Set<string> {
    const guards = new Set<string>();
    if (cond === undefined || typeof cond === 'boolean') return guards;
    for (const item of Array.isArray(cond) ? cond : [cond]) {
      try {
        for (const r of templateReferences(item, { expression: true })) if (r.guarded) guards.add(r.name);
      } catch {
        // syntax errors are reported by text()
      }
    }
    return guards;
  }

  /** `when:` and friends: one expression, a boolean, or a list (a guard in one item covers the others) */
  private conditions(cond: string | boolean | string[] | undefined, key: string, task: Task, scope: Scope, taskGuards: ReadonlySet<string>): void {
    if (cond === undefined || typeof cond === 'boolean') return;
    const items = Array.isArray(cond) ? cond : [cond];
    const guards = new Set([...taskGuards, ...this.guardsOf(cond)]);
    items.forEach((item, i) => {
      const loc = task.fieldLocs?.[`${key}.${i}`] ?? task.fieldLocs?.[key] ?? task.loc;
      this.text(item, loc, scope, { expression: true, guards });
    });
  }

  /** every string inside a value (vars, args, loop lists) */
  private value(v: unknown, loc: SourceLocation, scope: Scope, guards?: ReadonlySet<string>): void {
    if (typeof v === 'string') {
      if (isTemplate(v)) this.text(v, loc, scope, { guards });
    } else if (Array.isArray(v)) {
      for (const x of v) this.value(x, loc, scope, guards);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (isTemplate(k)) this.text(k, loc, scope, { guards });
        this.value(x, loc, scope, guards);
      }
    }
  }

  private text(text: string, loc: SourceLocation, scope: Scope, opts: TextOptions = {}): void {
    if (!opts.expression && !isTemplate(text)) return;
    try {
      checkTemplate(text, loc, { expression: opts.expression });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      for (const p of err.problems) this.add({ ...p, severity: 'error' });
      return;
    }
    const refs = templateReferences(text, { expression: opts.expression });
    for (const r of refs) this.read.add(r.name);
    const guarded = new Set([...(opts.guards ?? []), ...refs.filter((r) => r.guarded).map((r) => r.name)]);
    const seen = new Set<string>();
    for (const r of refs) {
      if (guarded.has(r.name) || seen.has(r.name)) continue;
      seen.add(r.name);
      this.resolve(r.name, loc, scope, opts);
    }
  }

  private resolve(name: string, loc: SourceLocation, scope: Scope, opts: TextOptions): void {
    if (scope.has(name)) return;
    const def = this.definitions.get(name);
    const suggestion = () => {
      const match = closest(name, [...scope, ...(this.hosts?.length ? this.namesOfHost(this.hosts[0]!) : [])]);
      return match === undefined ? undefined : `did you mean \`${match}\`?`;
    };
    const elsewhere = def ? `it is ${def.how} at line ${def.loc.line}, which does not run before this` : undefined;

    if (def?.how === 'a loop variable' || name === 'item') {
      this.add({ severity: 'error', message: `\`${name}\` is only defined inside a task with \`loop:\``, loc, hint: suggestion() });
      return;
    }
    if (opts.noInventory) {
      const severity = this.opts.inventory ? 'error' : 'warning';
      this.add({ severity, message: `undefined variable \`${name}\``, loc, hint: suggestion() ?? 'only extra vars (-e) and play vars can be used here' });
      return;
    }
    if (this.opts.inventory) {
      const hosts = this.hosts ?? [];
      if (hosts.length === 0) return; // nothing runs, nothing to check against
      const missing = hosts.filter((h) => !this.namesOfHost(h).has(name));
      if (missing.length === 0) return;
      const message =
        missing.length === hosts.length
          ? `undefined variable \`${name}\``
          : `\`${name}\` is not defined for host${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`;
      this.add({
        severity: 'error',
        message,
        loc,
        hint: elsewhere ?? suggestion() ?? (missing.length === hosts.length ? 'define it in vars, the inventory, or with -e' : 'define it for every host the play targets, or guard it with `| default(...)`'),
      });
      return;
    }
    // without an inventory it may be an inventory variable: say so once per play
    if (this.warned.has(name)) return;
    this.warned.add(name);
    this.add({
      severity: 'warning',
      message: `\`${name}\` is not defined in the playbook`,
      loc,
      hint: elsewhere ?? suggestion() ?? 'is it an inventory variable? pass -i to check',
    });
  }
}

/** a hosts pattern rendered for validation; undefined when it cannot be (its names are reported) */
function renderSafely(pattern: string, vars: Vars): string | undefined {
  try {
    return render(pattern, vars);
  } catch {
    return undefined;
  }
}

/**
 * Check a loaded playbook's variables against what defines them. Returns errors and warnings
 * (tagged with `severity`), in reading order; an empty list means the playbook is good to run.
 */
export function validatePlaybook(playbook: Playbook, opts: ValidateOptions = {}): ValidationProblem[] {
  const problems = new PlaybookValidator(playbook, opts).validate();
  // the playbook's own problems first, then those in its vars files
  const fileRank = (p: ConfigProblem) => (p.loc?.file === playbook.file ? 0 : 1);
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => fileRank(a.p) - fileRank(b.p) || (a.p.loc?.line ?? 0) - (b.p.loc?.line ?? 0) || (a.p.loc?.col ?? 0) - (b.p.loc?.col ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}
