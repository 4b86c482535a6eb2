/**
 * Jinja-compatible templating (Nunjucks underneath), strict: an undefined variable is an error
 * that names the template's location, never an empty string.
 *
 * THIS FILE IS THE PUBLIC API of src/template; the implementation lives beside it.
 */
import type { SourceLocation } from '../errors.js';

export type Vars = Record<string, unknown>;

/** Render a template string: `render('{{ etcd_name | quote }}', vars)`. Throws ConfigError (with loc) on undefined names or syntax errors. */
export declare function render(template: string, vars: Vars, loc?: SourceLocation): string;

/**
 * Render every string inside a value (objects, arrays) and keep non-strings as they are.
 * A string that is exactly one `{{ expr }}` yields the expression's native value
 * (number, list, object), as Ansible does: `retries: "{{ n }}"` gives a number.
 */
export declare function renderValue<T = unknown>(value: T, vars: Vars, loc?: SourceLocation): unknown;

/** Evaluate a bare Jinja expression, as in `when:` / `until:` / `failed_when:` (`result.rc == 0 and x is defined`). */
export declare function evaluate(expr: string, vars: Vars, loc?: SourceLocation): unknown;

/** true when the string contains `{{` or `{%` */
export declare function isTemplate(value: unknown): boolean;

/** Top-level variable names a template or expression reads (for validate): `{{ a.b | default(c) }}` -> ['a', 'c'] */
export declare function referencedNames(templateOrExpr: string, opts?: { expression?: boolean }): string[];
