/** String filters. Non-strings are printed first (`5 | lower` is "5"), as Jinja does. */
import { quote, quoteArgv } from '../../transport/shell-quote.js';
import { splitPython } from '../python-methods.js';
import { toText } from '../strict-runtime.js';
import type { FilterDef } from './define.js';

/** Python's os.path.basename: the part after the last slash ('/a/b/' gives '') */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Python's os.path.dirname: the part before the last slash, trailing slashes kept off */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '';
  const head = path.slice(0, i + 1);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
}

export const stringFilters: Record<string, FilterDef> = {
  /** POSIX shell quoting; a list becomes its items quoted one by one, space-separated */
  quote: {
    fn: (v) => (Array.isArray(v) ? quoteArgv(v.map(toText)) : quote(toText(v))),
  },
  lower: { fn: (v) => toText(v).toLowerCase() },
  upper: { fn: (v) => toText(v).toUpperCase() },
  capitalize: { fn: (v) => toText(v).charAt(0).toUpperCase() + toText(v).slice(1).toLowerCase() },
  title: { fn: (v) => toText(v).replace(/\w\S*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()) },
  trim: {
    params: ['chars'],
    fn: (v, a) => {
      const s = toText(v);
      const chars = a.get<string | undefined>('chars');
      if (chars === undefined || chars === null) return s.trim();
      const set = new Set(String(chars));
      let start = 0;
      let end = s.length;
      while (start < end && set.has(s[start]!)) start++;
      while (end > start && set.has(s[end - 1]!)) end--;
      return s.slice(start, end);
    },
  },
  replace: {
    params: ['old', 'new', 'count'],
    fn: (v, a) => {
      const s = toText(v);
      const from = toText(a.get('old'));
      const to = toText(a.get('new', ''));
      const count = a.get<number | undefined>('count');
      if (count === undefined || count === null || count < 0) return s.split(from).join(to);
      const parts = s.split(from);
      return parts.slice(0, count + 1).join(to) + (parts.length > count + 1 ? from + parts.slice(count + 1).join(from) : '');
    },
  },
  /** Python's str.split: no separator splits on runs of whitespace */
  split: {
    params: ['separator', 'maxsplit'],
    fn: (v, a) => splitPython(toText(v), a.get('separator'), a.get('maxsplit')),
  },
  string: { fn: (v) => toText(v) },
  basename: { fn: (v) => basename(toText(v)) },
  dirname: { fn: (v) => dirname(toText(v)) },
};
