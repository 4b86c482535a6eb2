/**
 * The one Nunjucks environment runbook renders with: no loaders (a template cannot read files),
 * no autoescaping (output goes into shell commands and config files, not HTML), Jinja's
 * `trim_blocks` as Ansible sets it, strict lookups (strict-compiler.ts) and Ansible's filters.
 */
import { adapt, invoke, type FilterDef, type Registry } from './filters/define.js';
import { allFilters } from './filters/index.js';
import { jinjaTests } from './jinja-tests.js';
import { nj, type NjNode } from './nunjucks-internals.js';
import { StrictCompiler } from './strict-compiler.js';
import { strictRuntime } from './strict-runtime.js';

/** What `{{ omit }}` renders to; a module argument with this value is left out, as in Ansible. */
export const OMIT = '__omit_place_holder__runbook';

const env = new nj.Environment([], { autoescape: false, throwOnUndefined: true, trimBlocks: true, lstripBlocks: false }) as unknown as {
  addFilter(name: string, fn: (...args: unknown[]) => unknown): void;
  addTest(name: string, fn: (...args: unknown[]) => unknown): void;
  addGlobal(name: string, value: unknown): void;
  globals: Record<string, unknown>;
  filters: Record<string, unknown>;
  tests: Record<string, unknown>;
  runbook: typeof strictRuntime;
};
env.runbook = strictRuntime;

const filterDefs = new Map<string, FilterDef>();
const testDefs = new Map<string, FilterDef>();

const registry: Registry = {
  filter(name, value, positional, keywords = {}) {
    const def = filterDefs.get(name);
    if (!def) throw new Error(`unknown filter \`${name}\``);
    return invoke(def, value, positional, keywords);
  },
  test(name, value, positional, keywords = {}) {
    const def = testDefs.get(name);
    if (!def) throw new Error(`unknown test \`${name}\``);
    return invoke(def, value, positional, keywords) === true;
  },
};

for (const [name, def] of Object.entries(allFilters(registry))) {
  for (const alias of [name, `ansible.builtin.${name}`]) {
    filterDefs.set(alias, def);
    env.addFilter(alias, adapt('filter', alias, def));
  }
}
for (const [name, def] of Object.entries(jinjaTests)) {
  testDefs.set(name, def);
  env.addTest(name, adapt('test', name, def));
}
env.addGlobal('omit', OMIT);

const GLOBALS: ReadonlySet<string> = new Set(Object.keys(env.globals));
const FILTERS: ReadonlySet<string> = new Set(Object.keys(env.filters));
const TESTS: ReadonlySet<string> = new Set(Object.keys(env.tests));

/** Names a template may use without defining them: `range`, `omit`, ... */
export function globalNames(): ReadonlySet<string> {
  return GLOBALS;
}

export function filterNames(): ReadonlySet<string> {
  return FILTERS;
}

export function testNames(): ReadonlySet<string> {
  return TESTS;
}

export interface CompiledTemplate {
  root: (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: (err: unknown, out: unknown) => void) => void;
}

const cache = new Map<string, CompiledTemplate>();
const CACHE_LIMIT = 5000;

/** Compile a parsed template to a function; `native` makes a lone `{{ expr }}` return its value. */
export function compileAst(source: string, ast: NjNode, native: boolean): CompiledTemplate {
  const key = `${native ? 'N' : 'T'}\0${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const compiler = new StrictCompiler({ filterNames: FILTERS, testNames: TESTS, globalNames: GLOBALS, native });
  compiler.compile(ast);
  // the compiled code is Nunjucks' own output format: a function body returning {root, b_*}
  const compiled = new Function(compiler.getCode())() as CompiledTemplate;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

export const templateEnv = env;
