/**
 * zod issues as messages an operator understands, at the line and column of the key (unknown
 * or missing keys) or of the value (wrong types):
 *
 *   unknown key `serail` in play (did you mean `serial`?)
 *   `retries` must be a whole number, got string "three"
 */
import type { z } from 'zod';
import type { ConfigProblem } from '../errors.js';
import { describeValue } from '../template/describe-value.js';
import { closest } from '../util/suggest.js';
import type { YamlPath, YamlSource } from './yaml-source.js';

export type Issue = z.core.$ZodIssue;

export interface IssueContext {
  source: YamlSource;
  /** where the validated value sits in the YAML document */
  base: YamlPath;
  /** the validated value */
  value: unknown;
  /** dotted name of `base` for ConfigProblem.key, e.g. `plays[0].tasks[2]` */
  keyPrefix: string;
  /** "play", "task", "argument of `copy`" ... for the object at a path (relative to base) */
  containerName(path: YamlPath): string;
  /** names that could have been meant at a path, for "did you mean" */
  candidates(path: YamlPath): Iterable<string>;
  /** "must be ..." for a key, when there is a better phrase than zod's */
  expects?(path: YamlPath): string | undefined;
  /** a hint for a specific unknown key (Ansible keys runbook does not have) */
  unknownKeyHint?(key: string, path: YamlPath): string | undefined;
  /** how unknown keys are called: "key" in plays, "argument" in module args */
  keyWord?: string;
  /** the part of a path people read: `retries`, not `tasks[2].retries` (the location says which task) */
  innerPath?(path: YamlPath): YamlPath;
  /** how a value is named in "X must be ...", backticks included */
  subject?(path: YamlPath): string | undefined;
}

export function valueAt(value: unknown, path: YamlPath): unknown {
  let cur = value;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[part];
  }
  return cur;
}

/** `serial[1]`, `loop_control.loop_var` */
export function displayPath(path: YamlPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

export function dottedKey(prefix: string, path: YamlPath): string {
  const rest = displayPath(path);
  if (!rest) return prefix;
  return rest.startsWith('[') || !prefix ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'a boolean (true/false)',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'empty',
};

/** "must be ..." from the issue itself, when the caller has nothing better */
function expectedFromIssue(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return ARTICLE[issue.expected] ?? `a ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `\`${String(issue.values[0])}\`` : `one of ${issue.values.map((v) => `\`${String(v)}\``).join(', ')}`;
    case 'invalid_union': {
      const kinds = issue.errors.map((branch) => (branch[0] ? expectedFromIssue(branch[0]) : '')).filter(Boolean);
      return [...new Set(kinds)].join(' or ');
    }
    case 'too_small':
      if (issue.origin === 'array') return `a list of at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return 'a non-empty string';
      return `at least ${issue.minimum}${issue.inclusive ? '' : ' (exclusive)'}`;
    case 'too_big':
      if (issue.origin === 'array') return `a list of at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `at most ${issue.maximum} characters`;
      return `at most ${issue.maximum}`;
    default:
      return issue.message;
  }
}

/**
 * A union whose branch matched the value's kind but not its contents (`tags: [1]` is a list,
 * with a number in it) is better reported by that branch's own issues (`tags[0]`).
 */
function deepestIssues(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue];
    const inner = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    if (inner.length !== 1) return [issue];
    return deepestIssues(inner[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue));
  });
}

export function issueProblems(issues: readonly Issue[], ctx: IssueContext): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const keyWord = ctx.keyWord ?? 'key';
  for (const issue of deepestIssues(issues)) {
    const path = issue.path as (string | number)[];
    const full = [...ctx.base, ...path];
    switch (issue.code) {
      case 'unrecognized_keys': {
        for (const key of issue.keys) {
          const special = ctx.unknownKeyHint?.(key, path);
          const match = special ? undefined : closest(key, ctx.candidates(path));
          out.push({
            message: `unknown ${keyWord} \`${key}\` in ${ctx.containerName(path)}`,
            loc: ctx.source.loc([...full, key], 'key'),
            key: dottedKey(ctx.keyPrefix, [...path, key]),
            hint: special ?? (match !== undefined ? `did you mean \`${match}\`?` : undefined),
          });
        }
        break;
      }
      case 'invalid_key': {
        const key = String(path[path.length - 1]);
        out.push({
          message: `\`${key}\` in ${displayPath(ctx.innerPath?.(path.slice(0, -1)) ?? path.slice(0, -1)) || ctx.containerName(path.slice(0, -1))}: ${issue.issues[0]?.message ?? 'invalid name'}`,
          loc: ctx.source.loc(full, 'key'),
          key: dottedKey(ctx.keyPrefix, path),
        });
        break;
      }
      default: {
        const value = valueAt(ctx.value, path);
        const inner = displayPath(ctx.innerPath?.(path) ?? path);
        const shown = ctx.subject?.(path) ?? (inner ? `\`${inner}\`` : ctx.containerName(path));
        if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
          const parent = path.slice(0, -1);
          out.push({
            message: `missing \`${String(path[path.length - 1])}\` in ${ctx.containerName(parent)}`,
            loc: ctx.source.loc([...ctx.base, ...parent], 'key'),
            key: dottedKey(ctx.keyPrefix, path),
          });
          break;
        }
        if (issue.code === 'custom') {
          out.push({ message: `${shown}: ${issue.message}`, loc: ctx.source.loc(full), key: dottedKey(ctx.keyPrefix, path) });
          break;
        }
        const expects = ctx.expects?.(path) ?? expectedFromIssue(issue);
        out.push({
          message: `${shown} must be ${expects}, got ${describeValue(value)}`,
          loc: ctx.source.loc(full),
          key: dottedKey(ctx.keyPrefix, path),
        });
      }
    }
  }
  return out;
}
