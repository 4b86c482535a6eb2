/** List filters, with Jinja's arguments (`attribute=`, `case_sensitive=`, test names for select). */
import { describeValue, kindOf } from '../describe-value.js';
import { visibleNames } from '../names.js';
import { equal, toText } from '../strict-runtime.js';
import { truthy } from '../truthy.js';
import { getAttribute } from './attribute.js';
import type { Args, FilterDef, Registry } from './define.js';
import { asSequence, expectList } from './expect.js';

function uniqueBy(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of items) if (!out.some((y) => equal(x, y))) out.push(x);
  return out;
}

/** Jinja's sort order: numbers and strings (case-insensitive unless asked), never mixed */
function compareForSort(a: unknown, b: unknown, caseSensitive: boolean): number {
  const x = typeof a === 'string' && !caseSensitive ? a.toLowerCase() : a;
  const y = typeof b === 'string' && !caseSensitive ? b.toLowerCase() : b;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  throw new Error(`cannot order ${describeValue(a)} and ${describeValue(b)}`);
}

function pick(items: unknown[], a: Args, key: 'max' | 'min'): unknown {
  const attribute = a.get('attribute');
  const caseSensitive = a.flag('case_sensitive', false);
  const value = (x: unknown) => (attribute === undefined ? x : getAttribute(x, attribute));
  if (items.length === 0) return undefined;
  return items.reduce((best, x) => {
    const c = compareForSort(value(x), value(best), caseSensitive);
    return key === 'max' ? (c > 0 ? x : best) : c < 0 ? x : best;
  });
}

function flatten(items: unknown[], levels: number | undefined): unknown[] {
  const out: unknown[] = [];
  for (const x of items) {
    if (Array.isArray(x) && (levels === undefined || levels > 0)) out.push(...flatten(x, levels === undefined ? undefined : levels - 1));
    else if (x !== null && x !== undefined) out.push(x);
  }
  return out;
}

/** `select('equalto', 3)`: no test name means "truthy" */
function testOf(registry: Registry, args: unknown[]): (x: unknown) => boolean {
  if (args.length === 0) return truthy;
  const [name, ...rest] = args;
  return (x) => registry.test(String(name), x, rest);
}

export function listFilters(registry: Registry): Record<string, FilterDef> {
  const select = (keep: boolean): FilterDef => ({
    variadic: true,
    fn: (v, a) => {
      const test = testOf(registry, a.rest(0));
      return asSequence(v).filter((x) => test(x) === keep);
    },
  });
  const selectAttr = (keep: boolean): FilterDef => ({
    params: ['attribute'],
    variadic: true,
    fn: (v, a) => {
      const test = testOf(registry, a.rest());
      const attribute = a.get('attribute');
      return expectList(v).filter((x) => test(getAttribute(x, attribute)) === keep);
    },
  });
  const length: FilterDef = {
    fn: (v) => {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v instanceof Map || v instanceof Set) return v.size;
      if (v !== null && typeof v === 'object') return visibleNames(v).length;
      throw new Error(`${describeValue(v)} has no length`);
    },
  };
  return {
    length,
    count: length,
    join: {
      params: ['d', 'attribute'],
      fn: (v, a) => {
        const attribute = a.get('attribute');
        return asSequence(v)
          .map((x) => toText(attribute === undefined ? x : getAttribute(x, attribute)))
          .join(toText(a.get('d', '')));
      },
    },
    first: { fn: (v) => asSequence(v)[0] },
    last: {
      fn: (v) => {
        const items = asSequence(v);
        return items[items.length - 1];
      },
    },
    list: { fn: (v) => asSequence(v).slice() },
    unique: { fn: (v) => uniqueBy(expectList(v)) },
    reverse: { fn: (v) => (typeof v === 'string' ? [...v].reverse().join('') : asSequence(v).slice().reverse()) },
    sort: {
      params: ['reverse', 'case_sensitive', 'attribute'],
      fn: (v, a) => {
        const attribute = a.get('attribute');
        const caseSensitive = a.flag('case_sensitive', false);
        const value = (x: unknown) => (attribute === undefined ? x : getAttribute(x, attribute));
        const sorted = asSequence(v)
          .slice()
          .sort((x, y) => compareForSort(value(x), value(y), caseSensitive));
        return a.flag('reverse', false) ? sorted.reverse() : sorted;
      },
    },
    min: { keywordOnly: ['attribute', 'case_sensitive'], fn: (v, a) => pick(expectList(v), a, 'min') },
    max: { keywordOnly: ['attribute', 'case_sensitive'], fn: (v, a) => pick(expectList(v), a, 'max') },
    sum: {
      params: ['attribute', 'start'],
      fn: (v, a) => {
        const attribute = a.get('attribute');
        return expectList(v).reduce((acc: number, x) => {
          const n = attribute === undefined ? x : getAttribute(x, attribute);
          if (typeof n !== 'number') throw new Error(`cannot add ${describeValue(n)}`);
          return acc + n;
        }, a.get<number>('start', 0));
      },
    },
    /** map(attribute='name') plucks; map('upper') / map('regex_replace', 'a', 'b') applies a filter */
    map: {
      variadic: true,
      keywordOnly: ['attribute', 'default'],
      fn: (v, a) => {
        const items = asSequence(v);
        const attribute = a.get('attribute');
        if (attribute !== undefined) {
          return items.map((x) => {
            const got = getAttribute(x, attribute);
            if (got !== undefined) return got;
            if (Object.prototype.hasOwnProperty.call(a.keywords, 'default')) return a.get('default');
            throw new Error(`an item (${kindOf(x)}) has no attribute \`${String(attribute)}\``);
          });
        }
        const [name, ...rest] = a.rest(0);
        if (name === undefined) throw new Error('give a filter name or attribute=');
        return items.map((x) => registry.filter(String(name), x, rest));
      },
    },
    select: select(true),
    reject: select(false),
    selectattr: selectAttr(true),
    rejectattr: selectAttr(false),
    flatten: { params: ['levels'], fn: (v, a) => flatten(expectList(v), a.get('levels')) },
    union: { params: ['other'], fn: (v, a) => uniqueBy([...expectList(v), ...expectList(a.get('other'))]) },
    intersect: {
      params: ['other'],
      fn: (v, a) => {
        const other = expectList(a.get('other'));
        return uniqueBy(expectList(v).filter((x) => other.some((y) => equal(x, y))));
      },
    },
    difference: {
      params: ['other'],
      fn: (v, a) => {
        const other = expectList(a.get('other'));
        return uniqueBy(expectList(v).filter((x) => !other.some((y) => equal(x, y))));
      },
    },
    symmetric_difference: {
      params: ['other'],
      fn: (v, a) => {
        const mine = expectList(v);
        const other = expectList(a.get('other'));
        return uniqueBy([...mine.filter((x) => !other.some((y) => equal(x, y))), ...other.filter((y) => !mine.some((x) => equal(x, y)))]);
      },
    },
  };
}
