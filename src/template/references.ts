/**
 * The variables a template reads, found from Nunjucks' parse tree without rendering: what
 * `validate` checks against the names a playbook, its inventory and its extra vars define.
 */
import type { SourceLocation } from '../errors.js';
import { compileAst, globalNames } from './environment.js';
import { GUARD_FILTERS, GUARD_TESTS } from './guards.js';
import { childNodes, parseTemplate, type NjNode } from './nunjucks-internals.js';
import { TemplateError, TemplateFault } from './template-error.js';

export interface TemplateReference {
  /** the top-level name: `result` for `result.stdout` */
  name: string;
  /** under `is defined` / `is undefined` / `default(...)`: absence is handled */
  guarded: boolean;
  /** 1-based, inside the template */
  line: number;
  col: number;
}

const LITERAL_NAMES = new Set(['True', 'False', 'None']);

function sourceOf(text: string, expression: boolean): string {
  return expression ? `{{ ${text.trim()}\n}}` : text;
}

/** Every variable read, in order, with loop variables, `{% set %}` names and globals left out. */
export function templateReferences(text: string, opts: { expression?: boolean } = {}): TemplateReference[] {
  const expression = opts.expression === true && !text.includes('{{') && !text.includes('{%');
  const ast = parseTemplate(sourceOf(text, expression));
  const globals = globalNames();
  const out: TemplateReference[] = [];

  const walk = (node: NjNode, scope: Set<string>, guarded: boolean): void => {
    switch (node.typename) {
      case 'Symbol': {
        const name = String(node.value);
        if (!scope.has(name) && !LITERAL_NAMES.has(name) && !globals.has(name)) {
          // `{{ ` shifts the first line of a bare expression by three columns
          const col = expression && node.lineno === 0 ? node.colno - 2 : node.colno + 1;
          out.push({ name, guarded, line: node.lineno + 1, col });
        }
        return;
      }
      case 'Filter': {
        const filter = String((node.name as NjNode).value);
        (node.args as NjNode).children?.forEach((arg, i) => walk(arg, scope, guarded || (i === 0 && GUARD_FILTERS.has(filter))));
        return;
      }
      case 'Is': {
        const right = node.right as NjNode;
        const test = String(right.typename === 'FunCall' ? (right.name as NjNode).value : right.value);
        walk(node.left as NjNode, scope, guarded || GUARD_TESTS.has(test));
        if (right.typename === 'FunCall') walk(right.args as NjNode, scope, guarded);
        return;
      }
      case 'Pair': {
        // `{a: 1}` and `f(a=1)`: a bare key is a name, not a variable
        const key = node.key as NjNode;
        if (key.typename !== 'Symbol') walk(key, scope, guarded);
        walk(node.value as NjNode, scope, guarded);
        return;
      }
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll': {
        walk(node.arr as NjNode, scope, guarded);
        const inner = new Set(scope);
        inner.add('loop');
        const target = node.name as NjNode;
        for (const s of target.typename === 'Array' ? (target.children ?? []) : [target]) inner.add(String(s.value));
        walk(node.body as NjNode, inner, guarded);
        if (node.else_) walk(node.else_ as NjNode, scope, guarded);
        return;
      }
      case 'Set': {
        if (node.value) walk(node.value as NjNode, scope, guarded);
        if (node.body) walk(node.body as NjNode, scope, guarded);
        for (const t of node.targets as NjNode[]) scope.add(String(t.value));
        return;
      }
      case 'Macro': {
        scope.add(String((node.name as NjNode).value));
        const inner = new Set([...scope, 'caller', 'varargs', 'kwargs']);
        for (const arg of (node.args as NjNode).children ?? []) {
          if (arg.typename === 'Symbol') inner.add(String(arg.value));
          else if (arg.typename === 'KeywordArgs') {
            for (const pair of arg.children ?? []) {
              inner.add(String((pair.key as NjNode).value));
              walk(pair.value as NjNode, scope, guarded);
            }
          }
        }
        walk(node.body as NjNode, inner, guarded);
        return;
      }
      default:
        for (const child of childNodes(node)) walk(child, scope, guarded);
    }
  };
  walk(ast, new Set(), false);
  return out;
}

/** Top-level variable names a template or expression reads: `{{ a.b | default(c) }}` -> ['a', 'c'] */
export function referencedNames(templateOrExpr: string, opts?: { expression?: boolean }): string[] {
  return [...new Set(templateReferences(templateOrExpr, opts).map((r) => r.name))];
}

/**
 * Check a template's syntax and its filter and test names without rendering it. Throws the
 * TemplateError rendering would throw.
 */
export function checkTemplate(text: string, loc?: SourceLocation, opts: { expression?: boolean } = {}): void {
  const expression = opts.expression === true && !text.includes('{{') && !text.includes('{%');
  const source = sourceOf(text, expression);
  const shown = expression ? text.trim() : text;
  const multiLine = shown.includes('\n');
  const at = (line: number | undefined) => (multiLine && line !== undefined ? ` (template line ${line})` : '');
  try {
    compileAst(source, parseTemplate(source), false);
  } catch (err) {
    if (err instanceof TemplateFault) throw new TemplateError(`${err.message}${at(err.templateLine)}`, loc, err.hint);
    const e = err as Error & { lineno?: number };
    throw new TemplateError(`template syntax error: ${e.message}${at(e.lineno)}`, loc);
  }
}
