/** Filters about values in general: fallbacks, choices, types. */
import { kindOf } from '../describe-value.js';
import { truthy } from '../truthy.js';
import type { FilterDef } from './define.js';

const defaultFilter: FilterDef = {
  params: ['default_value', 'boolean'],
  // boolean=true also replaces falsy values ('' [] 0 false), as Jinja's default(x, true)
  fn: (v, a) => (v === undefined || (a.flag('boolean', false) && !truthy(v)) ? a.get('default_value', '') : v),
};

export const generalFilters: Record<string, FilterDef> = {
  default: defaultFilter,
  d: defaultFilter,
  mandatory: {
    params: ['msg'],
    fn: (v, a) => {
      if (v === undefined) throw new Error(a.get('msg', 'mandatory variable has no value'));
      return v;
    },
  },
  ternary: {
    params: ['true_val', 'false_val', 'none_val'],
    fn: (v, a) => {
      if ((v === null || v === undefined) && a.get('none_val') !== undefined) return a.get('none_val');
      return truthy(v) ? a.get('true_val') : a.get('false_val');
    },
  },
  /** Ansible's type names, so playbooks written against Ansible compare the same strings */
  type_debug: {
    fn: (v) => {
      if (v === null || v === undefined) return 'NoneType';
      if (typeof v === 'boolean') return 'bool';
      if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
      if (typeof v === 'string') return 'str';
      return kindOf(v) === 'list' ? 'list' : 'dict';
    },
  },
};
