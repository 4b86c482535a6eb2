/**
 * How filters and tests are declared: Python-style parameters, so `to_json(indent=2)` and
 * `to_json(2)` mean the same and `to_json(indnet=2)` is an error instead of being ignored.
 */
import { ConfigError } from '../../errors.js';

/** A filter's arguments after the value: positional ones, then keywords by name. */
export class Args {
  constructor(
    readonly positional: unknown[],
    readonly keywords: Record<string, unknown>,
    private readonly params: readonly string[],
  ) {}

  /** the argument named `name` (by keyword or by its position among the params) */
  get<T = unknown>(name: string, fallback?: T): T {
    if (Object.prototype.hasOwnProperty.call(this.keywords, name)) return this.keywords[name] as T;
    const i = this.params.indexOf(name);
    if (i >= 0 && i < this.positional.length && this.positional[i] !== undefined) return this.positional[i] as T;
    return fallback as T;
  }

  /** a yes/no argument: only `true` counts as yes */
  flag(name: string, fallback = false): boolean {
    return this.get<unknown>(name, fallback) === true;
  }

  /** positional arguments beyond the declared params (`map('int')`, `combine(a, b, c)`) */
  rest(from = this.params.length): unknown[] {
    return this.positional.slice(from);
  }
}

export interface FilterDef {
  /** parameter names after the value, in order */
  params?: readonly string[];
  /** accepts more positional arguments than `params` */
  variadic?: boolean;
  /** arguments that can only be given by name (after variadic ones, as in Python) */
  keywordOnly?: readonly string[];
  fn(value: unknown, args: Args): unknown;
}

export type TestDef = FilterDef;

/** Calls another filter or test by name (for `map('upper')`, `select('defined')`). */
export interface Registry {
  filter(name: string, value: unknown, positional: unknown[], keywords?: Record<string, unknown>): unknown;
  test(name: string, value: unknown, positional: unknown[], keywords?: Record<string, unknown>): boolean;
}

function splitKeywords(rest: unknown[]): [unknown[], Record<string, unknown>] {
  const last = rest[rest.length - 1];
  if (last !== null && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    const { __keywords: _, ...keywords } = last as Record<string, unknown>;
    return [rest.slice(0, -1), keywords];
  }
  return [rest, {}];
}

/** Check the arguments and run the filter or test. */
export function invoke(def: FilterDef, value: unknown, positional: unknown[], keywords: Record<string, unknown>): unknown {
  const params = def.params ?? [];
  const named = [...params, ...(def.keywordOnly ?? [])];
  for (const key of Object.keys(keywords)) {
    if (!named.includes(key)) {
      throw new Error(`unknown argument \`${key}\`${named.length ? ` (it takes ${named.map((p) => `\`${p}\``).join(', ')})` : ''}`);
    }
  }
  if (!def.variadic && positional.length > params.length) {
    throw new Error(`takes at most ${params.length} argument${params.length === 1 ? '' : 's'}, got ${positional.length}`);
  }
  return def.fn(value, new Args(positional, keywords, params));
}

/** The function Nunjucks calls: `fn.call(context, value, ...args, {__keywords: true, ...})`. */
export function adapt(kind: 'filter' | 'test', name: string, def: FilterDef): (value: unknown, ...rest: unknown[]) => unknown {
  return function (value: unknown, ...rest: unknown[]) {
    const [positional, keywords] = splitKeywords(rest);
    try {
      const out = invoke(def, value, positional, keywords);
      return kind === 'test' ? out === true : out;
    } catch (err) {
      // a variable that failed to render lazily keeps its own message and location
      if (err instanceof ConfigError) throw err;
      throw new Error(`${kind} \`${name}\`: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}
