/**
 * Nunjucks' compiler with Jinja's strictness and semantics.
 *
 * Nunjucks' own `throwOnUndefined` only fires when an undefined value is printed: `{% if typo %}`,
 * `typo.x | length` and `x == typo` pass silently. Here every lookup of a name or attribute goes
 * through strict-runtime.ts, which throws at the place of use, except under the two guards
 * Ansible users rely on: the subject of `is defined` / `is undefined` and the first argument of
 * `default` / `d`, where an undefined name (or an attribute of one) is simply undefined.
 *
 * Conditions use Ansible truthiness (empty lists are false), `==` compares by value, `in` follows
 * Python, `True`/`False`/`None` are literals, and loops walk a mapping's keys as Jinja does.
 */
import { closest } from '../util/suggest.js';
import { GUARD_FILTERS, GUARD_TESTS } from './guards.js';
import { nj, type NjFrame, type NjNode } from './nunjucks-internals.js';
import { TemplateFault } from './template-error.js';

const BaseCompiler = nj.compiler.Compiler as unknown as new (name: string, throwOnUndefined: boolean) => CompilerBase;

/** the parts of Nunjucks' Compiler this subclass uses */
interface CompilerBase {
  /** the variable the code being compiled writes its output to */
  buffer: string;
  compile(node: NjNode, frame?: NjFrame): void;
  getCode(): string;
  _emit(code: string): void;
  _emitLine(code: string): void;
  compileIf(node: NjNode, frame: NjFrame, async?: boolean): void;
  compileInlineIf(node: NjNode, frame: NjFrame): void;
  compileFor(node: NjNode, frame: NjFrame): void;
  compileFunCall(node: NjNode, frame: NjFrame): void;
}

/** wrappers that make the compiler call a runtime helper around a sub-expression */
const TruthyNode = nj.nodes.Group!.extend('RunbookTruthy');
const IterateNode = nj.nodes.Group!.extend('RunbookIterate');

const PYTHON_LITERALS: Record<string, string> = { True: 'true', False: 'false', None: 'null' };
const FILE_STATEMENTS: Record<string, string> = {
  Include: 'include',
  Import: 'import',
  FromImport: 'from ... import',
  Extends: 'extends',
};
const LOOKUP_FUNCTIONS = new Set(['lookup', 'query', 'q']);

export interface CompilerOptions {
  filterNames: ReadonlySet<string>;
  testNames: ReadonlySet<string>;
  globalNames: ReadonlySet<string>;
  /** the template is one `{{ expr }}`: return the expression's value instead of text */
  native: boolean;
}

/** Readable text of an expression for messages: `result.stdout_lines[0]`. */
export function describeNode(node: NjNode): string {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'Literal':
      return typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value);
    case 'LookupVal': {
      const target = describeNode(node.target as NjNode);
      const val = node.val as NjNode;
      if (val.typename === 'Literal' && typeof val.value === 'string' && /^[A-Za-z_]\w*$/.test(val.value)) return `${target}.${val.value}`;
      return `${target}[${describeNode(val)}]`;
    }
    case 'FunCall':
      return `${describeNode(node.name as NjNode)}(...)`;
    case 'Filter':
      return `(... | ${describeNode(node.name as NjNode)})`;
    default:
      return 'expression';
  }
}

function fault(message: string, node: NjNode, hint?: string): TemplateFault {
  return new TemplateFault(message, node.lineno + 1, node.colno + 1, hint);
}

function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const match = closest(name, candidates);
  return match === undefined ? undefined : `did you mean \`${match}\`?`;
}

export class StrictCompiler extends BaseCompiler {
  /** > 0 while compiling the subject of a guard (`is defined`, `default`) */
  private lenient = 0;

  constructor(private readonly options: CompilerOptions) {
    super('template', false);
    for (const [typename, statement] of Object.entries(FILE_STATEMENTS)) {
      (this as unknown as Record<string, unknown>)[`compile${typename}`] = (node: NjNode) => {
        throw fault(`\`{% ${statement} %}\` is not supported: templates cannot read files`, node);
      };
    }
  }

  private pos(node: NjNode): string {
    return `${node.lineno}, ${node.colno}`;
  }

  private guarded(compile: () => void): void {
    this.lenient++;
    try {
      compile();
    } finally {
      this.lenient--;
    }
  }

  compileSymbol(node: NjNode, frame: NjFrame): void {
    const name = String(node.value);
    const local = frame.lookup(name);
    if (local) {
      this._emit(String(local));
      return;
    }
    if (name in PYTHON_LITERALS) {
      this._emit(PYTHON_LITERALS[name]!);
      return;
    }
    this._emit(`env.runbook.lookup(context, frame, ${JSON.stringify(name)}, ${this.lenient > 0}, ${this.pos(node)})`);
  }

  compileLookupVal(node: NjNode, frame: NjFrame): void {
    this._emit('env.runbook.member(');
    this.compile(node.target as NjNode, frame);
    this._emit(', ');
    this.compile(node.val as NjNode, frame);
    this._emit(`, ${this.lenient > 0}, ${this.pos(node)}, ${JSON.stringify(describeNode(node.target as NjNode))})`);
  }

  // replaces Nunjucks' version, which runs a test's arguments together (`version("3.5", ">=")`)
  compileIs(node: NjNode, frame: NjFrame): void {
    const right = node.right as NjNode;
    const test = String(right.typename === 'FunCall' ? (right.name as NjNode).value : right.value);
    if (!this.options.testNames.has(test)) {
      throw fault(`unknown test \`${test}\``, right, didYouMean(test, this.options.testNames));
    }
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, env.getTest(${JSON.stringify(test)}).call(context, `);
    if (GUARD_TESTS.has(test)) this.guarded(() => this.compile(node.left as NjNode, frame));
    else this.compile(node.left as NjNode, frame);
    for (const arg of right.typename === 'FunCall' ? ((right.args as NjNode).children ?? []) : []) {
      this._emit(', ');
      this.compile(arg, frame);
    }
    this._emit(') === true)');
  }

  compileFilter(node: NjNode, frame: NjFrame): void {
    const name = String((node.name as NjNode).value);
    if (!this.options.filterNames.has(name)) {
      throw fault(`unknown filter \`${name}\``, node.name as NjNode, didYouMean(name, this.options.filterNames));
    }
    // record the position so a filter's own error points at the filter
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, env.getFilter(${JSON.stringify(name)}).call(context, `);
    const args = (node.args as NjNode).children ?? [];
    args.forEach((arg, i) => {
      if (i > 0) this._emit(', ');
      if (i === 0 && GUARD_FILTERS.has(name)) this.guarded(() => this.compile(arg, frame));
      else this.compile(arg, frame);
    });
    this._emit('))');
  }

  override compileFunCall(node: NjNode, frame: NjFrame): void {
    const callee = node.name as NjNode;
    if (callee.typename === 'Symbol' && LOOKUP_FUNCTIONS.has(String(callee.value)) && !this.options.globalNames.has(String(callee.value))) {
      throw fault(`\`${String(callee.value)}(...)\` is not supported`, callee, 'Ansible lookup plugins are not available; pass the value in a variable');
    }
    super.compileFunCall(node, frame);
  }

  compileNot(node: NjNode, frame: NjFrame): void {
    this._emit('!env.runbook.truthy(');
    this.compile(node.target as NjNode, frame);
    this._emit(')');
  }

  compileAnd(node: NjNode, frame: NjFrame): void {
    this.shortCircuit('and', node, frame);
  }

  compileOr(node: NjNode, frame: NjFrame): void {
    this.shortCircuit('or', node, frame);
  }

  private shortCircuit(op: 'and' | 'or', node: NjNode, frame: NjFrame): void {
    this._emit(`env.runbook.${op}(`);
    this.compile(node.left as NjNode, frame);
    this._emit(', () => (');
    this.compile(node.right as NjNode, frame);
    this._emit('))');
  }

  override compileIf(node: NjNode, frame: NjFrame, async?: boolean): void {
    this.withTruthyCond(node, () => super.compileIf(node, frame, async));
  }

  override compileInlineIf(node: NjNode, frame: NjFrame): void {
    this.withTruthyCond(node, () => super.compileInlineIf(node, frame));
  }

  private withTruthyCond(node: NjNode, compile: () => void): void {
    const cond = node.cond as NjNode;
    node.cond = new TruthyNode(cond.lineno, cond.colno, [cond]);
    try {
      compile();
    } finally {
      node.cond = cond;
    }
  }

  compileRunbookTruthy(node: NjNode, frame: NjFrame): void {
    this._emit('env.runbook.truthy(');
    this.compile(node.children![0]!, frame);
    this._emit(')');
  }

  override compileFor(node: NjNode, frame: NjFrame): void {
    const arr = node.arr as NjNode;
    const pairs = (node.name as NjNode).typename === 'Array';
    const wrapped = new IterateNode(arr.lineno, arr.colno, [arr]);
    (wrapped as NjNode & { pairs: boolean }).pairs = pairs;
    node.arr = wrapped;
    try {
      super.compileFor(node, frame);
    } finally {
      node.arr = arr;
    }
  }

  compileRunbookIterate(node: NjNode & { pairs?: boolean }, frame: NjFrame): void {
    const arr = node.children![0]!;
    this._emit('env.runbook.iterate(');
    this.compile(arr, frame);
    this._emit(`, ${node.pairs === true}, ${JSON.stringify(describeNode(arr))}, ${this.pos(arr)})`);
  }

  compileIn(node: NjNode, frame: NjFrame): void {
    this._emit('env.runbook.contains(');
    this.compile(node.left as NjNode, frame);
    this._emit(', ');
    this.compile(node.right as NjNode, frame);
    this._emit(`, ${this.pos(node)})`);
  }

  // Nunjucks emits JavaScript's own + and *, which turn `[1] + [2]` into "12" and
  // `'-' * 20` into NaN; these follow Python (strict-runtime.ts)
  compileAdd(node: NjNode, frame: NjFrame): void {
    this.binaryHelper('add', node, frame);
  }

  compileMul(node: NjNode, frame: NjFrame): void {
    this.binaryHelper('multiply', node, frame);
  }

  compileConcat(node: NjNode, frame: NjFrame): void {
    this._emit('env.runbook.concat(');
    this.compile(node.left as NjNode, frame);
    this._emit(', ');
    this.compile(node.right as NjNode, frame);
    this._emit(')');
  }

  private binaryHelper(helper: 'add' | 'multiply', node: NjNode, frame: NjFrame): void {
    this._emit(`env.runbook.${helper}(`);
    this.compile(node.left as NjNode, frame);
    this._emit(', ');
    this.compile(node.right as NjNode, frame);
    this._emit(`, ${this.pos(node)})`);
  }

  compileCompare(node: NjNode, frame: NjFrame): void {
    // `a < b < c` means `a < b and b < c`, as in Python
    const ops = node.ops as Array<NjNode & { type: string; expr: NjNode }>;
    const operands = [node.expr as NjNode, ...ops.map((o) => o.expr)];
    this._emit('(');
    ops.forEach((op, i) => {
      if (i > 0) this._emit(' && ');
      this._emit(`env.runbook.compare(${JSON.stringify(op.type)}, `);
      this.compile(operands[i]!, frame);
      this._emit(', ');
      this.compile(operands[i + 1]!, frame);
      this._emit(`, ${this.pos(op)})`);
    });
    this._emit(')');
  }

  compileOutput(node: NjNode, frame: NjFrame): void {
    // macros and `{% set %}` blocks write to buffers of their own
    const buffer = this.buffer;
    for (const child of node.children ?? []) {
      if (child.typename === 'TemplateData') {
        if (child.value) this._emitLine(`${buffer} += ${JSON.stringify(child.value)};`);
        continue;
      }
      if (this.options.native && buffer === 'output') {
        this._emit('output = ');
        this.compile(child, frame);
        this._emitLine(';');
      } else {
        this._emit(`${buffer} += env.runbook.output(`);
        this.compile(child, frame);
        this._emitLine(`, ${this.pos(child)});`);
      }
    }
  }
}
