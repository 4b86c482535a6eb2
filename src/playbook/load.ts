/**
 * loadPlaybook: read, parse and check a playbook; every problem found is reported at once,
 * each at its file:line:col, before anything touches a server.
 *
 *   const playbook = await loadPlaybook('playbooks/restore-etcd.yaml');
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { BUILTIN_VARIABLES } from './builtins.js';
import { EXPECTS, IDENTIFIER, NOT_SUPPORTED } from './keywords.js';
import { resolveModuleCall } from './module-args.js';
import { toPlay, toTask } from './normalize.js';
import { moduleKeys, playbookSchemas, playKeyNames, taskKeyNames, type TaskKind } from './schema.js';
import type { VaultKeyring } from '../vault/keyring.js';
import type { Play, Playbook, Task } from './types.js';
import { parseYaml, type YamlPath, type YamlSource } from './yaml-source.js';
import { closest } from '../util/suggest.js';
import { dottedKey, issueProblems, type Issue, type IssueContext } from './zod-problems.js';
import { checkTrustedFile } from '../util/trusted-files.js';

type Raw = Record<string, unknown>;

/** modules that may run in preflight although they are not read-only: the task decides */
const PREFLIGHT_COMMANDS = new Set(['command', 'shell']);

const LIST_KINDS: Record<string, TaskKind> = { preflight: 'preflight', tasks: 'task', handlers: 'handler', rollback: 'rollback' };
const KIND_NAMES: Record<TaskKind, string> = { task: 'task', preflight: 'preflight task', handler: 'handler', rollback: 'rollback task' };

function isMapping(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Where the innermost task of a path (relative to a play) starts: `['tasks', 2, 'rollback', 0, 'when']` -> 4 */
function innermostTask(path: YamlPath): { at: number; kind: TaskKind } | undefined {
  let found: { at: number; kind: TaskKind } | undefined;
  for (let i = 1; i < path.length; i++) {
    const field = path[i - 1];
    if (typeof path[i] === 'number' && typeof field === 'string' && field in LIST_KINDS) found = { at: i, kind: LIST_KINDS[field]! };
  }
  return found;
}

/** the problems of unknown Ansible keys get a hint of what to do instead */
function unknownKeyHint(kind: TaskKind | 'play', key: string): string | undefined {
  if (kind === 'preflight' && (key === 'rollback' || key === 'notify')) return `preflight tasks change nothing, so they have nothing to ${key === 'rollback' ? 'roll back' : 'notify'}`;
  if (kind === 'rollback' && key === 'rollback') return 'a rollback task cannot have its own rollback';
  if (kind === 'rollback' && key === 'notify') return 'rollback tasks cannot notify handlers';
  if (kind === 'handler' && key === 'rollback') return 'put the rollback on the task that notifies the handler';
  if (kind === 'play' && key === 'gather_facts') return 'runbook never gathers facts; remove it or write `gather_facts: false`';
  if (/^ansible\.(builtin|legacy)\./.test(key)) return `\`${key.replace(/^ansible\.\w+\./, '')}\` is not a runbook module; see \`runbook modules\``;
  return NOT_SUPPORTED[key];
}

class PlaybookLoader {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly source: YamlSource) {}

  load(): Playbook {
    const { source } = this;
    const raw = source.value;
    if (raw === null || raw === undefined) {
      this.problems.push({ message: 'the playbook is empty', loc: { file: source.file, line: 1, col: 1 }, hint: 'a playbook is a play (a mapping with `hosts:` and `tasks:`) or a list of plays' });
      return { file: source.file, plays: [] };
    }
    if (!isMapping(raw) && !Array.isArray(raw)) {
      this.problems.push({ message: 'a playbook must be a play (a mapping with `hosts:`) or a list of plays', loc: source.loc([]) });
      return { file: source.file, plays: [] };
    }
    const rawPlays = Array.isArray(raw) ? raw : [raw];
    if (rawPlays.length === 0) this.problems.push({ message: 'the playbook has no plays', loc: source.loc([]) });
    const plays: Play[] = [];
    rawPlays.forEach((rawPlay, i) => {
      const play = this.play(rawPlay, Array.isArray(raw) ? [i] : [], `plays[${i}]`);
      if (play) plays.push(play);
    });
    return { file: source.file, plays };
  }

  private play(raw: unknown, path: YamlPath, keyPrefix: string): Play | undefined {
    const { source } = this;
    if (!isMapping(raw)) {
      this.problems.push({ message: 'each play must be a mapping with `hosts:`', loc: source.loc(path), key: keyPrefix });
      return undefined;
    }
    const before = this.problems.length;
    const parsed = playbookSchemas().play.safeParse(raw);
    const issues = parsed.success ? [] : (parsed.error.issues as Issue[]);
    // tasks the schema found wrong are not built (their other checks still run)
    const broken = new Set(
      issues.map((issue) => {
        const inner = innermostTask(issue.path as YamlPath);
        return inner ? JSON.stringify(issue.path.slice(0, inner.at + 1)) : '';
      }),
    );
    this.problems.push(...issueProblems(issues, this.issueContext(raw, path, keyPrefix)));
    this.checkVarNames(raw.vars, [...path, 'vars'], keyPrefix);

    const lists: Record<string, Task[]> = { preflight: [], tasks: [], handlers: [], rollback: [] };
    for (const field of Object.keys(lists)) {
      const items = raw[field];
      if (!Array.isArray(items)) continue;
      items.forEach((item, j) => {
        const task = this.task(item, [field, j], path, `${keyPrefix}.${field}[${j}]`, LIST_KINDS[field]!, broken);
        if (task) lists[field]!.push(task);
      });
    }
    if (this.problems.length > before) return undefined;
    const play = toPlay({ raw, path, preflight: lists.preflight!, tasks: lists.tasks!, handlers: lists.handlers!, rollback: lists.rollback! }, source);
    this.checkNotify(play, keyPrefix);
    return this.problems.length > before ? undefined : play;
  }

  /** `rel` is the task's path inside the play, `playPath` the play's in the document */
  private task(raw: unknown, rel: YamlPath, playPath: YamlPath, keyPrefix: string, kind: TaskKind, broken: ReadonlySet<string>): Task | undefined {
    if (!isMapping(raw)) return undefined;
    const { source } = this;
    const path = [...playPath, ...rel];
    const before = this.problems.length;
    const allowed = new Set(taskKeyNames(kind));
    const spellings = moduleKeys();
    const unknown = Object.keys(raw).filter((k) => !allowed.has(k) && !spellings.has(k));
    const { call, problems } = resolveModuleCall(raw, path, source, keyPrefix, unknown);
    this.problems.push(...problems);

    const rollback: Task[] = [];
    if (kind === 'task' && Array.isArray(raw.rollback)) {
      raw.rollback.forEach((item, k) => {
        const t = this.task(item, [...rel, 'rollback', k], playPath, `${keyPrefix}.rollback[${k}]`, 'rollback', broken);
        if (t) rollback.push(t);
      });
    }
    this.checkName(raw.register, [...path, 'register'], `${keyPrefix}.register`, 'register');
    const loopControl = isMapping(raw.loop_control) ? raw.loop_control : {};
    this.checkName(loopControl.loop_var, [...path, 'loop_control', 'loop_var'], `${keyPrefix}.loop_control.loop_var`, 'loop_var');
    this.checkVarNames(raw.vars, [...path, 'vars'], keyPrefix);
    if (kind === 'preflight' && call && !call.module.readOnly && !PREFLIGHT_COMMANDS.has(call.module.name)) {
      const key = Object.keys(raw).find((k) => spellings.get(k) === call.module)!;
      this.problems.push({
        message: `\`${call.module.name}\` can change a host, so it cannot run in preflight`,
        loc: source.loc([...path, key], 'key'),
        key: dottedKey(keyPrefix, [key]),
        hint: 'preflight only reads: use read-only modules (assert, debug, wait_for, etcd status checks) or command/shell; move changes to `tasks:`',
      });
    }
    if (kind === 'handler' && raw.name === undefined) {
      this.problems.push({ message: 'a handler needs a `name` for `notify` to refer to', loc: source.loc(path), key: keyPrefix });
    }
    // a task the schema found wrong is still checked above, but not built
    if (this.problems.length > before || !call || broken.has(JSON.stringify(rel))) return undefined;
    const moduleKey = Object.keys(raw).find((k) => spellings.has(k))!;
    return toTask({ raw, path, call, moduleKey, rollback }, source);
  }

  /** register / loop_var: a name templates can use, and not one the engine defines */
  private checkName(value: unknown, path: YamlPath, key: string, what: string): void {
    if (typeof value !== 'string') return;
    if (!IDENTIFIER.test(value)) {
      this.problems.push({ message: `\`${what}\` must be a variable name (letters, digits, _), got ${JSON.stringify(value)}`, loc: this.source.loc(path), key });
    } else if (BUILTIN_VARIABLES.includes(value)) {
      this.problems.push({ message: `\`${value}\` is a built-in variable; choose another name for \`${what}\``, loc: this.source.loc(path), key });
    }
  }

  private checkVarNames(vars: unknown, path: YamlPath, keyPrefix: string): void {
    if (!isMapping(vars)) return;
    for (const name of Object.keys(vars)) {
      const where = { loc: this.source.loc([...path, name], 'key'), key: dottedKey(keyPrefix, ['vars', name]) };
      if (!IDENTIFIER.test(name)) {
        this.problems.push({ message: `\`${name}\` is not a valid variable name`, hint: 'use letters, digits and _; templates cannot refer to names with - or .', ...where });
      } else if (BUILTIN_VARIABLES.includes(name)) {
        this.problems.push({ message: `\`${name}\` is a built-in variable and cannot be set in vars`, ...where });
      }
    }
  }

  /** every `notify` names a handler of the same play */
  private checkNotify(play: Play, keyPrefix: string): void {
    const known = new Set(play.handlers.map((h) => h.name));
    const seen = new Map<string, Task>();
    for (const h of play.handlers) {
      const other = seen.get(h.name);
      if (other) this.problems.push({ message: `two handlers are named "${h.name}"`, loc: h.loc, hint: `the other is at line ${other.loc.line}; notify would run only one` });
      seen.set(h.name, h);
    }
    const check = (task: Task, where: string) => {
      task.notify.forEach((target, i) => {
        if (known.has(target)) return;
        const loc = task.fieldLocs?.[`notify.${i}`] ?? task.fieldLocs?.notify ?? task.loc;
        const names = [...known];
        const close = closest(target, names);
        this.problems.push({
          message: `notify: no handler named "${target}" in this play`,
          loc,
          key: `${keyPrefix}.${where}.notify`,
          hint: close ? `did you mean "${close}"?` : names.length ? `handlers: ${names.map((n) => `"${n}"`).join(', ')}` : 'add it under `handlers:`',
        });
      });
    };
    play.tasks.forEach((t, i) => check(t, `tasks[${i}]`));
    play.handlers.forEach((t, i) => check(t, `handlers[${i}]`));
  }

  private issueContext(raw: Raw, path: YamlPath, keyPrefix: string): IssueContext {
    const taskOf = (p: YamlPath) => innermostTask(p);
    const taskLabel = (p: YamlPath, kind: TaskKind): string => {
      let cur: unknown = raw;
      for (const part of p) cur = isMapping(cur) || Array.isArray(cur) ? (cur as Record<string | number, unknown>)[part] : undefined;
      const name = isMapping(cur) && typeof cur.name === 'string' ? ` "${cur.name}"` : '';
      return `${KIND_NAMES[kind]}${name}`;
    };
    return {
      source: this.source,
      base: path,
      value: raw,
      keyPrefix,
      containerName: (p: YamlPath) => {
        const t = taskOf(p);
        if (!t) return p.length === 0 ? 'play' : `\`${p.join('.')}\``;
        const inner = p.slice(t.at + 1);
        return inner.length === 0 ? taskLabel(p.slice(0, t.at + 1), t.kind) : `\`${inner.join('.')}\``;
      },
      candidates: (p: YamlPath) => {
        const t = taskOf(p);
        if (!t) return p.length === 0 ? playKeyNames() : p[0] === 'loop_control' ? ['loop_var', 'label'] : [];
        const inner = p.slice(t.at + 1);
        if (inner.length === 1 && inner[0] === 'loop_control') return ['loop_var', 'label'];
        if (inner.length) return [];
        return [...taskKeyNames(t.kind), ...moduleKeys({ legacy: false }).keys()].filter((k) => !k.startsWith('ansible.'));
      },
      innerPath: (p: YamlPath) => {
        const t = taskOf(p);
        return t ? p.slice(t.at + 1) : p;
      },
      subject: (p: YamlPath) => {
        const t = taskOf(p);
        if (t && p.length === t.at + 1) return `each ${KIND_NAMES[t.kind]}`;
        return undefined;
      },
      expects: (p: YamlPath) => {
        const t = taskOf(p);
        const inner = t ? p.slice(t.at + 1) : p;
        if (inner.length === 0 && t) return 'a mapping (a module key and its arguments, plus task keys)';
        const last = inner[inner.length - 1];
        return typeof last === 'string' ? EXPECTS[last] : undefined;
      },
      unknownKeyHint: (key: string, p: YamlPath) => {
        const t = taskOf(p);
        if (t && p.length !== t.at + 1) return undefined;
        return unknownKeyHint(t ? t.kind : p.length === 0 ? 'play' : 'task', key);
      },
    };
  }
}

/** top to bottom, as the operator will fix them */
export function inReadingOrder<T extends ConfigProblem>(problems: T[]): T[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.loc?.line ?? 0) - (b.p.loc?.line ?? 0) || (a.p.loc?.col ?? 0) - (b.p.loc?.col ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

/** Parse and check playbook text (throws ConfigError with every problem). */
export function parsePlaybook(text: string, file: string, vault?: VaultKeyring): Playbook {
  const { source, problems } = parseYaml(text, file, vault);
  if (!source || problems.length) throw new ConfigError(problems);
  const loader = new PlaybookLoader(source);
  const playbook = loader.load();
  if (loader.problems.length) throw new ConfigError(inReadingOrder(loader.problems));
  return playbook;
}

/** Read, parse and check a playbook file; throws ConfigError listing every problem, each with file:line:col. */
export async function loadPlaybook(file: string, vault?: VaultKeyring): Promise<Playbook> {
  checkTrustedFile(file, 'playbook');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError({
      message: code === 'ENOENT' ? `no such playbook: ${file}` : `cannot read ${file}: ${(err as Error).message}`,
      loc: { file, line: 1, col: 1 },
    });
  }
  return parsePlaybook(text, file, vault);
}
