/**
 * Jinja-compatible templating (Nunjucks underneath), strict: an undefined variable is an error
 * that names the template's location, never an empty string.
 *
 * THIS FILE IS THE PUBLIC API of src/template; the implementation lives beside it.
 *
 *   render('{{ etcd_name | quote }}', vars, loc)        -> "etcd1"
 *   renderValue('{{ retries }}', {retries: 3})           -> 3 (native value)
 *   evaluate('result.rc == 0', vars, loc)                -> true
 *   evaluateCondition(['x is defined', 'x > 1'], vars)   -> false when x is undefined
 *   referencedNames('{{ a.b | default(c) }}')            -> ['a', 'c']
 */
export type { Vars } from './render.js';
export { render, renderValue, evaluate, evaluateCondition, isTemplate } from './render.js';
export { referencedNames, templateReferences, checkTemplate, type TemplateReference } from './references.js';
export { TemplateError } from './template-error.js';
export { truthy } from './truthy.js';
export { OMIT, filterNames, testNames } from './environment.js';
