/** Structured data: JSON, YAML, and mapping reshaping (dict2items, items2dict, combine). */
import YAML from 'yaml';
import { describeValue, kindOf } from '../describe-value.js';
import { toPlain } from '../names.js';
import { toText } from '../strict-runtime.js';
import type { FilterDef } from './define.js';
import { getAttribute } from './attribute.js';
import { expectList, expectMapping } from './expect.js';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Map)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function toJson(value: unknown, indent: unknown, sort: boolean): string {
  const plain = toPlain(value);
  const out = JSON.stringify(sort ? sortKeys(plain) : plain, null, typeof indent === 'number' ? indent : undefined);
  if (out === undefined) throw new Error(`${describeValue(value)} cannot be written as JSON`);
  return out;
}

function isPlainMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

type ListMerge = 'replace' | 'keep' | 'append' | 'prepend' | 'append_rp' | 'prepend_rp';

/** Ansible's combine: later mappings win; recursive=true merges nested mappings too */
export function combine(dicts: Record<string, unknown>[], recursive: boolean, listMerge: ListMerge): Record<string, unknown> {
  const mergeLists = (a: unknown[], b: unknown[]): unknown[] => {
    switch (listMerge) {
      case 'keep':
        return a;
      case 'append':
        return [...a, ...b];
      case 'prepend':
        return [...b, ...a];
      case 'append_rp':
        return [...a.filter((x) => !b.includes(x)), ...b];
      case 'prepend_rp':
        return [...b, ...a.filter((x) => !b.includes(x))];
      default:
        return b;
    }
  };
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const old = out[k];
      if (recursive && isPlainMapping(old) && isPlainMapping(v)) out[k] = merge(old, v);
      else if (Array.isArray(old) && Array.isArray(v)) out[k] = mergeLists(old, v);
      else out[k] = v;
    }
    return out;
  };
  return dicts.reduce((acc, d) => merge(acc, d), {});
}

const LIST_MERGE = ['replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'];

export const dataFilters: Record<string, FilterDef> = {
  to_json: { params: ['indent', 'sort_keys'], fn: (v, a) => toJson(v, a.get('indent'), a.flag('sort_keys', false)) },
  to_nice_json: { params: ['indent', 'sort_keys'], fn: (v, a) => toJson(v, a.get('indent', 4), a.flag('sort_keys', true)) },
  from_json: {
    fn: (v) => {
      try {
        return JSON.parse(toText(v));
      } catch (err) {
        throw new Error(`not valid JSON: ${(err as Error).message}`);
      }
    },
  },
  to_yaml: { params: ['indent'], fn: (v, a) => YAML.stringify(toPlain(v), { indent: a.get('indent', 2) }) },
  to_nice_yaml: { params: ['indent'], fn: (v, a) => YAML.stringify(sortKeys(toPlain(v)), { indent: a.get('indent', 4) }) },
  from_yaml: {
    fn: (v) => {
      const doc = YAML.parseDocument(toText(v), { version: '1.1' });
      if (doc.errors.length) throw new Error(`not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
      return doc.toJS();
    },
  },
  from_yaml_all: {
    fn: (v) =>
      YAML.parseAllDocuments(toText(v), { version: '1.1' }).map((doc) => {
        if ('errors' in doc && doc.errors.length) throw new Error(`not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
        return doc.toJS();
      }),
  },
  dict2items: {
    params: ['key_name', 'value_name'],
    fn: (v, a) => {
      const key = a.get('key_name', 'key');
      const value = a.get('value_name', 'value');
      return Object.entries(expectMapping(v)).map(([k, x]) => ({ [key]: k, [value]: x }));
    },
  },
  items2dict: {
    params: ['key_name', 'value_name'],
    fn: (v, a) => {
      const key = a.get<string>('key_name', 'key');
      const value = a.get<string>('value_name', 'value');
      return Object.fromEntries(
        expectList(v).map((item) => {
          const m = expectMapping(item);
          if (!(key in m)) throw new Error(`an item has no \`${key}\` (it has ${Object.keys(m).join(', ') || 'nothing'})`);
          return [toText(m[key]), m[value]];
        }),
      );
    },
  },
  /** a | combine(b, c, recursive=true, list_merge='append'); also [a, b] | combine */
  combine: {
    variadic: true,
    keywordOnly: ['recursive', 'list_merge'],
    fn: (v, a) => {
      const listMerge = a.get<string>('list_merge', 'replace');
      if (!LIST_MERGE.includes(listMerge)) throw new Error(`list_merge must be one of ${LIST_MERGE.join(', ')}`);
      const first = Array.isArray(v) ? v : [v];
      const dicts = [...first, ...a.rest(0)].map((d) => {
        if (!isPlainMapping(d)) throw new Error(`can only combine mappings, got ${kindOf(d)}`);
        return expectMapping(d);
      });
      return combine(dicts, a.flag('recursive', false), listMerge as ListMerge);
    },
  },
  /** `groups.etcd | map('extract', hostvars, 'ip')`: look each item up in a container */
  extract: {
    params: ['container', 'morekeys'],
    fn: (v, a) => {
      const container = a.get('container');
      let out = getAttribute(container, typeof v === 'number' ? v : String(v));
      if (out === undefined) throw new Error(`${describeValue(v)} is not in the container`);
      const more = a.get('morekeys');
      for (const key of more === undefined ? [] : Array.isArray(more) ? more : [more]) {
        out = getAttribute(out, key as string | number);
        if (out === undefined) throw new Error(`no \`${String(key)}\` under ${describeValue(v)}`);
      }
      return out;
    },
  },
  zip: {
    variadic: true,
    fn: (v, a) => {
      const lists = [expectList(v), ...a.rest(0).map(expectList)];
      const n = Math.min(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
    },
  },
};
