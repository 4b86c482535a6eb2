/**
 * The functions compiled templates call instead of Nunjucks' lenient lookups (see
 * strict-compiler.ts). They give Jinja's semantics where Nunjucks follows JavaScript's:
 * undefined names and attributes are errors, `==` compares lists and mappings by value,
 * comparing a string with a number is an error rather than a coercion, and output of
 * lists/mappings is JSON rather than "a,b".
 */
import { closest } from '../util/suggest.js';
import { describeValue, kindOf } from './describe-value.js';
import { hasName, toPlain, visibleNames } from './names.js';
import { nj, type NjFrame } from './nunjucks-internals.js';
import { pythonMethod } from './python-methods.js';
import { TemplateFault } from './template-error.js';
import { truthy } from './truthy.js';

/** What compiled code sees as `context`: the caller's variables, never copied (they may be lazy). */
export interface TemplateContext {
  /** the caller's scope under a layer of its own, so `{% set %}` never writes into the caller's vars */
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
  lookup(name: string): unknown;
  setVariable(name: string, value: unknown): void;
  getVariables(): Record<string, unknown>;
  addExport(name: string): void;
  getExported(): Record<string, unknown>;
}

export function makeContext(vars: Record<string, unknown>, env: TemplateContext['env']): TemplateContext {
  const ctx = Object.create(vars) as Record<string, unknown>;
  return {
    ctx,
    env,
    lookup(name) {
      if (hasName(ctx, name)) return ctx[name];
      return Object.prototype.hasOwnProperty.call(env.globals, name) ? env.globals[name] : undefined;
    },
    setVariable(name, value) {
      ctx[name] = value;
    },
    getVariables: () => ctx,
    addExport() {},
    getExported: () => ({}),
  };
}

/** 0-based positions from the compiler become 1-based positions for people */
function fault(message: string, line: number, col: number, hint?: string, undefinedName?: string): TemplateFault {
  return new TemplateFault(message, line + 1, col + 1, hint, undefinedName);
}

function suggestion(name: string, candidates: string[]): string | undefined {
  const match = closest(name, candidates);
  return match === undefined ? undefined : `did you mean \`${match}\`?`;
}

export const strictRuntime = {
  /** a bare name: frame (loop/set variables) first, then the caller's vars, then globals */
  lookup(context: TemplateContext, frame: NjFrame, name: string, lenient: boolean, line: number, col: number): unknown {
    const local = frame.lookup(name);
    if (local !== undefined) return local;
    if (hasName(context.ctx, name)) return context.ctx[name];
    if (Object.prototype.hasOwnProperty.call(context.env.globals, name)) return context.env.globals[name];
    if (lenient) return undefined;
    const hint =
      suggestion(name, visibleNames(context.ctx)) ??
      'define it in the play or task vars, the inventory, or with -e; or guard it with `is defined` / `| default(...)`';
    throw fault(`undefined variable \`${name}\``, line, col, hint, name);
  },

  /** `obj.key` / `obj[key]` */
  member(obj: unknown, key: unknown, lenient: boolean, line: number, col: number, what: string): unknown {
    if (obj === undefined || obj === null) {
      if (lenient) return undefined;
      throw fault(`\`${what}\` is ${obj === null ? 'null' : 'undefined'}, so it has no attribute \`${String(key)}\``, line, col);
    }
    if (typeof key === 'number' && (Array.isArray(obj) || typeof obj === 'string')) {
      const index = key < 0 ? obj.length + key : key;
      if (index >= 0 && index < obj.length) return obj[index];
      if (lenient) return undefined;
      throw fault(`index ${key} is out of range for \`${what}\` (length ${obj.length})`, line, col);
    }
    const name = String(key);
    if (obj instanceof Map) {
      if (obj.has(key)) return obj.get(key);
    } else if (typeof obj === 'object' && !Array.isArray(obj) && hasName(obj, name)) {
      const value = (obj as Record<string, unknown>)[name];
      return typeof value === 'function' ? value.bind(obj) : value;
    }
    const method = pythonMethod(obj, name);
    if (method) return method;
    if (lenient) return undefined;
    const keys = typeof obj === 'object' && !Array.isArray(obj) ? (obj instanceof Map ? [...obj.keys()].map(String) : visibleNames(obj)) : [];
    const hint =
      suggestion(name, keys) ??
      (keys.length > 0 ? `it has ${keys.slice(0, 10).map((k) => `\`${k}\``).join(', ')}${keys.length > 10 ? ', ...' : ''}` : undefined);
    throw fault(`\`${what}\` (${kindOf(obj)}) has no attribute \`${name}\``, line, col, hint);
  },

  truthy,

  and(left: unknown, right: () => unknown): unknown {
    return truthy(left) ? right() : left;
  },

  or(left: unknown, right: () => unknown): unknown {
    return truthy(left) ? left : right();
  },

  compare(op: string, a: unknown, b: unknown, line: number, col: number): boolean {
    switch (op) {
      case '==':
      case '===':
        return equal(a, b);
      case '!=':
      case '!==':
        return !equal(a, b);
      default: {
        const c = order(a, b);
        if (c === undefined) {
          throw fault(
            `cannot compare ${describeValue(a)} with ${describeValue(b)} using \`${op}\``,
            line,
            col,
            'convert one side first, e.g. `| int` or `| string`',
          );
        }
        return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
      }
    }
  },

  /**
   * `a + b` as in Python: numbers add, strings and lists concatenate (JavaScript would turn
   * `[1] + [2]` into the string "12"), anything else is an error instead of a guess.
   */
  add(a: unknown, b: unknown, line: number, col: number): unknown {
    const na = numeric(a);
    const nb = numeric(b);
    if (na !== undefined && nb !== undefined) return na + nb;
    if (isText(a) && isText(b)) return String(a) + String(b);
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    throw fault(
      `cannot add ${describeValue(a)} and ${describeValue(b)} with \`+\``,
      line,
      col,
      '`+` adds numbers and joins two strings or two lists; convert first (`| int`, `| string`, `[item]`), or join text with `~`',
    );
  },

  /** `a * b` as in Python: numbers multiply, a string or a list times a whole number repeats */
  multiply(a: unknown, b: unknown, line: number, col: number): unknown {
    const na = numeric(a);
    const nb = numeric(b);
    if (na !== undefined && nb !== undefined) return na * nb;
    const [seq, times] = nb !== undefined ? [a, nb] : [b, na];
    if (times !== undefined && Number.isInteger(times)) {
      if (isText(seq)) return String(seq).repeat(Math.max(0, times));
      if (Array.isArray(seq)) return Array.from({ length: Math.max(0, times) }, () => seq).flat(1);
    }
    throw fault(
      `cannot multiply ${describeValue(a)} by ${describeValue(b)} with \`*\``,
      line,
      col,
      '`*` multiplies numbers, or repeats a string or a list a whole number of times; convert first with `| int`',
    );
  },

  /** `a ~ b`: both sides as text, the way `{{ }}` prints them */
  concat(a: unknown, b: unknown): string {
    return toText(a) + toText(b);
  },

  /** `item in container` */
  contains(item: unknown, container: unknown, line: number, col: number): boolean {
    if (typeof container === 'string') {
      if (typeof item !== 'string') throw fault(`\`in\` a string needs a string on the left, got ${describeValue(item)}`, line, col);
      return container.includes(item);
    }
    if (Array.isArray(container)) return container.some((x) => equal(x, item));
    if (container instanceof Set) return [...container].some((x) => equal(x, item));
    if (container instanceof Map) return container.has(item);
    if (container !== null && typeof container === 'object') return hasName(container, String(item));
    throw fault(`\`in\` needs a string, list or mapping on the right, got ${describeValue(container)}`, line, col);
  },

  /** what `{{ x }}` prints; undefined here comes from a filter with no answer (`[] | first`) */
  output(value: unknown, line: number, col: number): string {
    if (value === undefined) throw fault('the expression has no value', line, col, 'give a fallback with `| default(...)`');
    return toText(value);
  },

  /** the sequence a `{% for %}` walks: a mapping's keys, a string's characters, as in Jinja */
  iterate(value: unknown, pairs: boolean, what: string, line: number, col: number): unknown {
    if (Array.isArray(value)) return value;
    if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') {
      throw fault(`cannot loop over \`${what}\`: it is ${describeValue(value)}`, line, col);
    }
    if (typeof value === 'string') return [...value];
    if (value instanceof Map) return pairs ? [...value.entries()] : [...value.keys()];
    if (value instanceof Set) return [...value];
    if (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return [...(value as Iterable<unknown>)];
    return pairs ? value : visibleNames(value);
  },
};

export type StrictRuntime = typeof strictRuntime;

/** Text of a value in string context. Lists and mappings print as JSON, null as nothing. */
export function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  // what macros and `caller()` return
  if (value instanceof nj.runtime.SafeString) return String(value);
  if (typeof value === 'object') {
    try {
      return JSON.stringify(toPlain(value));
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** a number for arithmetic; booleans count as 0 and 1, as in Python */
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  return undefined;
}

/** a string, or the SafeString a macro or `caller()` returns */
function isText(v: unknown): boolean {
  return typeof v === 'string' || v instanceof nj.runtime.SafeString;
}

/** Python's `==`: by value for lists and mappings, no coercion between strings and numbers */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'boolean' || typeof b === 'boolean') return false;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = visibleNames(a);
    const kb = visibleNames(b);
    return ka.length === kb.length && ka.every((k) => hasName(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** Python's ordering: numbers with numbers, strings with strings, lists element by element */
function order(a: unknown, b: unknown): number | undefined {
  const na = typeof a === 'boolean' ? Number(a) : a;
  const nb = typeof b === 'boolean' ? Number(b) : b;
  if (typeof na === 'number' && typeof nb === 'number') return na - nb;
  if (typeof na === 'string' && typeof nb === 'string') return na < nb ? -1 : na > nb ? 1 : 0;
  if (Array.isArray(na) && Array.isArray(nb)) {
    for (let i = 0; i < Math.min(na.length, nb.length); i++) {
      if (equal(na[i], nb[i])) continue;
      return order(na[i], nb[i]);
    }
    return na.length - nb.length;
  }
  return undefined;
}
