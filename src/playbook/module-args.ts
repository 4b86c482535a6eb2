/**
 * Which module a task runs and whether its arguments fit the module's own schema.
 *
 * `shell: echo hi` is the module's free-form argument (`{cmd: "echo hi"}`); `args:` merges
 * under the module's mapping as in Ansible. A value that is a template (`mode: "{{ m }}"`) may
 * not fit the schema until it is rendered, so an issue at such a value is left for run time;
 * unknown argument names and wrong literal values are reported now.
 */
import { z } from 'zod';
import type { ConfigProblem, SourceLocation } from '../errors.js';
import type { Module } from '../modules/types.js';
import { isTemplate } from '../template/index.js';
import { parseKeyValueArgs } from './key-value-args.js';
import { moduleKeys } from './schema.js';
import { dottedKey, issueProblems, valueAt, type Issue } from './zod-problems.js';
import type { YamlPath, YamlSource } from './yaml-source.js';

export interface ModuleCall {
  module: Module;
  /** the arguments as written, free-form mapped and `args:` merged */
  args: Record<string, unknown>;
  /** where each argument (and nested value, dotted) was written */
  argLocs: Record<string, SourceLocation>;
}

/** their free-form text is a command line, where `NAME=value` is an environment assignment */
const FREE_FORM_COMMANDS = new Set(['command', 'shell']);

const argNamesCache = new WeakMap<object, string[]>();

/** argument names a module's schema knows, for "did you mean" */
export function argumentNames(module: Module): string[] {
  let names = argNamesCache.get(module.schema);
  if (!names) {
    try {
      const json = z.toJSONSchema(module.schema, { io: 'input', unrepresentable: 'any' }) as { properties?: object; anyOf?: Array<{ properties?: object }> };
      names = [...new Set([...Object.keys(json.properties ?? {}), ...(json.anyOf ?? []).flatMap((b) => Object.keys(b.properties ?? {}))])];
    } catch {
      names = [];
    }
    argNamesCache.set(module.schema, names);
  }
  return names;
}

/** true when the value at `path` of the arguments, or a value above it, is a template to be rendered later */
function underTemplate(args: unknown, path: YamlPath): boolean {
  for (let n = path.length; n >= 1; n--) {
    if (isTemplate(valueAt(args, path.slice(0, n)))) return true;
  }
  return false;
}

function containsTemplate(v: unknown): boolean {
  if (typeof v === 'string') return isTemplate(v);
  if (Array.isArray(v)) return v.some(containsTemplate);
  if (v !== null && typeof v === 'object') return Object.values(v).some(containsTemplate);
  return false;
}

/**
 * Whether an issue must wait for rendering: it is at a template, or it is a module's own rule
 * (a refinement, often about several arguments together) over values that hold templates.
 */
function waitsForRendering(issue: Issue, args: unknown): boolean {
  if (issue.code === 'unrecognized_keys') return false;
  const path = issue.path as YamlPath;
  if (underTemplate(args, path)) return true;
  return issue.code === 'custom' && containsTemplate(valueAt(args, path));
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** every value's location, dotted (`env.FOO`), for template errors at run time */
function collectLocs(value: unknown, path: YamlPath, prefix: string, source: YamlSource, out: Record<string, SourceLocation>): void {
  if (prefix) out[prefix] = source.loc(path);
  if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) collectLocs(v, [...path, k], prefix ? `${prefix}.${k}` : k, source, out);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collectLocs(v, [...path, i], `${prefix}.${i}`, source, out));
  }
}

/**
 * Find the task's module and check its arguments. `taskPath` is where the task mapping is in
 * the YAML document; `keyPrefix` its dotted name for ConfigProblem.key.
 */
export function resolveModuleCall(
  task: Record<string, unknown>,
  taskPath: YamlPath,
  source: YamlSource,
  keyPrefix: string,
  unknownKeys: readonly string[],
): { call?: ModuleCall; problems: ConfigProblem[] } {
  const spellings = moduleKeys();
  const keys = Object.keys(task).filter((k) => spellings.has(k));
  if (keys.length === 0) {
    // an unknown key is most likely the module, misspelt: that error says more
    if (unknownKeys.length > 0) return { problems: [] };
    return {
      problems: [
        {
          message: 'task has no module',
          loc: source.loc(taskPath),
          key: keyPrefix,
          hint: `a task names exactly one module, e.g. \`shell: systemctl restart etcd\`; see \`runbook modules\``,
        },
      ],
    };
  }
  if (keys.length > 1) {
    return {
      problems: keys.slice(1).map((k) => ({
        message: `task has more than one module: \`${keys[0]}\` and \`${k}\``,
        loc: source.loc([...taskPath, k], 'key'),
        key: dottedKey(keyPrefix, [k]),
        hint: 'a task runs exactly one module; split it into two tasks',
      })),
    };
  }
  const key = keys[0]!;
  const module = spellings.get(key)!;
  const modulePath = [...taskPath, key];
  let written = task[key];
  const problems: ConfigProblem[] = [];

  // Ansible's `debug: msg="hi {{ x }}"` / `file: path=/x state=absent`: key=value arguments,
  // for modules whose free-form text is not a command line
  const legacy = typeof written === 'string' && !FREE_FORM_COMMANDS.has(module.name) ? /^(\w+)=/.exec(written) : null;
  if (legacy && argumentNames(module).includes(legacy[1]!)) {
    const pairs = parseKeyValueArgs(written as string);
    if (!pairs) {
      return {
        problems: [
          {
            message: `cannot read the \`${module.name}\` arguments as key=value pairs`,
            loc: source.loc(modulePath),
            key: dottedKey(keyPrefix, [key]),
            hint: `close every quote, or write \`${module.name}: {${legacy[1]}: ...}\``,
          },
        ],
      };
    }
    written = pairs;
  }

  let own: Record<string, unknown>;
  if (written === null || written === undefined) own = {};
  else if (typeof written === 'string' || typeof written === 'number') {
    if (!module.freeForm) {
      return {
        problems: [
          {
            message: `\`${module.name}\` takes a mapping of arguments, not ${typeof written === 'string' ? 'a string' : 'a number'}`,
            loc: source.loc(modulePath),
            key: dottedKey(keyPrefix, [key]),
            hint: `write its arguments under it, e.g. \`${module.name}: {${argumentNames(module).slice(0, 2).map((a) => `${a}: ...`).join(', ')}}\``,
          },
        ],
      };
    }
    own = { [module.freeForm]: String(written) };
  } else if (isMapping(written)) own = written;
  else {
    return {
      problems: [{ message: `the arguments of \`${module.name}\` must be a mapping, got a list`, loc: source.loc(modulePath), key: dottedKey(keyPrefix, [key]) }],
    };
  }

  // `args:` sits beside the module; the module's own mapping wins, as in Ansible
  const extra = isMapping(task.args) ? task.args : {};
  const args = { ...extra, ...own };
  const origin = (arg: string | number): YamlPath =>
    Object.prototype.hasOwnProperty.call(own, arg) ? (isMapping(written) ? [...modulePath, arg] : modulePath) : Object.prototype.hasOwnProperty.call(extra, arg) ? [...taskPath, 'args', arg] : modulePath;
  const argSource: YamlSource = {
    file: source.file,
    value: args,
    loc: (path, part) => (path.length === 0 ? source.loc(modulePath, part) : source.loc([...origin(path[0]!), ...(isMapping(written) || !Object.prototype.hasOwnProperty.call(own, path[0]!) ? path.slice(1) : [])], part)),
  };

  const parsed = module.schema.safeParse(args);
  if (!parsed.success) {
    const issues = (parsed.error.issues as Issue[]).filter((issue) => !waitsForRendering(issue, args));
    const subject = (path: YamlPath) => (path.length ? `\`${module.name}\` argument \`${path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('')}\`` : `\`${module.name}\``);
    problems.push(
      ...issueProblems(issues, {
        source: argSource,
        base: [],
        value: args,
        keyPrefix: dottedKey(keyPrefix, [key]),
        keyWord: 'argument',
        containerName: (path) => (path.length ? `${subject(path)}` : `\`${module.name}\``),
        candidates: (path) => (path.length === 0 ? argumentNames(module) : []),
        subject,
      }),
    );
  }

  const argLocs: Record<string, SourceLocation> = {};
  for (const arg of Object.keys(args)) {
    const value = args[arg];
    const at = origin(arg);
    argLocs[arg] = source.loc(at);
    if (isMapping(written) || !Object.prototype.hasOwnProperty.call(own, arg)) collectLocs(value, at, arg, source, argLocs);
  }
  return { call: { module, args, argLocs }, problems };
}
