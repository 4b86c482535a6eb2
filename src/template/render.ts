/**
 * render / renderValue / evaluate: the three ways the engine turns templates into values.
 */
import { ConfigError, type SourceLocation } from '../errors.js';
import { compileAst, OMIT, templateEnv } from './environment.js';
import { nj, parseTemplate, type NjNode } from './nunjucks-internals.js';
import { makeContext } from './strict-runtime.js';
import { TemplateError, TemplateFault } from './template-error.js';
import { truthy } from './truthy.js';

export type Vars = Record<string, unknown>;

/** true when the string contains `{{` or `{%` */
export function isTemplate(value: unknown): boolean {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

/** where inside the template, in words, for templates of more than one line */
function where(source: string, line: number | undefined, loc: SourceLocation | undefined, lineOffset = 0): string {
  let out = '';
  if (line !== undefined && source.includes('\n')) out += ` (template line ${line - lineOffset})`;
  if (!loc) {
    const text = source.trim();
    out += ` in ${JSON.stringify(text.length > 80 ? text.slice(0, 77) + '...' : text)}`;
  }
  return out;
}

function causeOf(err: unknown): unknown {
  const cause = (err as { cause?: unknown })?.cause;
  return cause instanceof Error ? cause : err;
}

/** Parse, with syntax errors as TemplateError at the caller's location. */
function parse(source: string, loc: SourceLocation | undefined, shown = source): NjNode {
  try {
    return parseTemplate(source);
  } catch (err) {
    if (err instanceof TemplateFault) throw faultToError(err, shown, loc);
    const e = err as Error & { lineno?: number };
    throw new TemplateError(`template syntax error: ${e.message}${where(shown, e.lineno, loc)}`, loc);
  }
}

function faultToError(f: TemplateFault, source: string, loc: SourceLocation | undefined): TemplateError {
  return new TemplateError(`${f.message}${where(source, f.templateLine, loc)}`, loc, f.hint, f.undefinedName);
}

/** The expression when a template is exactly one `{{ expr }}` and nothing else. */
export function singleExpression(ast: NjNode): NjNode | undefined {
  const top = ast.children ?? [];
  if (top.length !== 1 || top[0]!.typename !== 'Output') return undefined;
  const parts = top[0]!.children ?? [];
  if (parts.length !== 1 || parts[0]!.typename === 'TemplateData') return undefined;
  return parts[0];
}

function run(source: string, ast: NjNode, native: boolean, vars: Vars, loc: SourceLocation | undefined, shown = source): unknown {
  let compiled;
  try {
    compiled = compileAst(source, ast, native);
  } catch (err) {
    if (err instanceof TemplateFault) throw faultToError(err, shown, loc);
    const e = err as Error & { lineno?: number };
    throw new TemplateError(`template syntax error: ${e.message}${where(shown, e.lineno, loc)}`, loc);
  }
  const frame = new nj.runtime.Frame();
  frame.topLevel = true;
  let result: unknown;
  let failure: unknown;
  compiled.root(templateEnv, makeContext(vars, templateEnv), frame, nj.runtime, (err, out) => {
    failure = err;
    result = out;
  });
  if (failure) {
    const cause = causeOf(failure);
    if (cause instanceof ConfigError) throw cause;
    if (cause instanceof TemplateFault) throw faultToError(cause, shown, loc);
    // a filter or function failed; Nunjucks records the position as 0-based
    const line = (failure as { lineno?: number }).lineno;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new TemplateError(`${message}${where(shown, line === undefined ? undefined : line + 1, loc)}`, loc);
  }
  return result;
}

/** Render a template string to text. Throws TemplateError (a ConfigError, with loc) on undefined names or bad syntax. */
export function render(template: string, vars: Vars, loc?: SourceLocation): string {
  if (!isTemplate(template)) return template;
  return run(template, parse(template, loc), false, vars, loc) as string;
}

/**
 * Render every string inside a value (objects, arrays) and keep non-strings as they are.
 * A string that is exactly one `{{ expr }}` yields the expression's native value, as Ansible
 * does. Mapping entries whose value renders to `omit` are dropped.
 */
export function renderValue<T = unknown>(value: T, vars: Vars, loc?: SourceLocation): unknown {
  if (typeof value === 'string') {
    if (!isTemplate(value)) return value;
    const ast = parse(value, loc);
    if (!singleExpression(ast)) return run(value, ast, false, vars, loc);
    let out = run(value, ast, true, vars, loc);
    if (out instanceof nj.runtime.SafeString) out = String(out);
    if (out === undefined) {
      throw new TemplateError(`the expression has no value${where(value, undefined, loc)}`, loc, 'give a fallback with `| default(...)`');
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, vars, loc));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const rendered = renderValue(v, vars, loc);
      if (rendered === OMIT) continue;
      out[isTemplate(k) ? render(k, vars, loc) : k] = rendered;
    }
    return out;
  }
  return value;
}

/**
 * Evaluate a bare Jinja expression, as in `when:` / `until:` / `failed_when:`
 * (`result.rc == 0 and x is defined`). Booleans pass through (`when: false`); a string with
 * `{{ }}` in it is rendered as Ansible still allows.
 */
export function evaluate(expr: string, vars: Vars, loc?: SourceLocation): unknown {
  if (typeof expr !== 'string') return expr;
  if (isTemplate(expr)) return renderValue(expr, vars, loc);
  const trimmed = expr.trim();
  if (trimmed === '') throw new TemplateError('empty condition', loc);
  // a newline before the closing braces keeps a trailing comment or line break from eating them
  const source = `{{ ${trimmed}\n}}`;
  const ast = parse(source, loc, trimmed);
  if (!singleExpression(ast)) throw new TemplateError(`not a single expression: ${JSON.stringify(trimmed)}`, loc);
  return run(source, ast, true, vars, loc, trimmed);
}

/**
 * A condition as written in `when:` / `changed_when:` / `failed_when:`: one expression, a
 * boolean, or a list of them that must all hold (evaluated in order, stopping at the first
 * false one, so `[x is defined, x > 1]` is safe).
 */
export function evaluateCondition(condition: string | boolean | ReadonlyArray<string | boolean>, vars: Vars, loc?: SourceLocation): boolean {
  const items = Array.isArray(condition) ? condition : [condition];
  for (const item of items) {
    if (!truthy(typeof item === 'boolean' ? item : evaluate(item, vars, loc))) return false;
  }
  return true;
}
