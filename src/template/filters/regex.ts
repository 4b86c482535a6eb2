/**
 * Ansible's regex filters. Patterns are written for Python's `re`; the common differences are
 * translated (`(?P<name>...)`, `(?P=name)`, a leading `(?i)`, `\A`, `\Z`, and `\1` / `\g<name>`
 * in replacements); other Python-only syntax fails with JavaScript's message.
 */
import { toText } from '../strict-runtime.js';
import type { Args, FilterDef } from './define.js';

export function pythonRegex(pattern: string, flags: { ignorecase?: boolean; multiline?: boolean; global?: boolean }): RegExp {
  let src = pattern;
  let f = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    for (const c of inline[1]!) {
      if (c === 'i' || c === 'm' || c === 's') f += c;
      else if (c === 'x') throw new Error('verbose patterns `(?x)` are not supported');
    }
  }
  src = src
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  if (flags.ignorecase && !f.includes('i')) f += 'i';
  if (flags.multiline && !f.includes('m')) f += 'm';
  if (flags.global) f += 'g';
  try {
    return new RegExp(src, f);
  } catch (err) {
    throw new Error(`bad regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

/** Python replacement syntax (`\1`, `\g<1>`, `\g<name>`) to JavaScript's (`$1`, `$<name>`) */
export function pythonReplacement(replacement: string): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '$') {
      out += '$$';
    } else if (c === '\\' && i + 1 < replacement.length) {
      const rest = replacement.slice(i + 1);
      const num = /^\d{1,2}/.exec(rest);
      const named = /^g<(\w+)>/.exec(rest);
      if (num) {
        out += `$${num[0]}`;
        i += num[0].length;
      } else if (named) {
        out += /^\d+$/.test(named[1]!) ? `$${named[1]}` : `$<${named[1]}>`;
        i += named[0].length;
      } else {
        const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };
        out += escapes[rest[0]!] ?? `\\${rest[0]}`;
        i += 1;
      }
    } else {
      out += c;
    }
  }
  return out;
}

function flagsOf(a: Args) {
  return { ignorecase: a.flag('ignorecase', false), multiline: a.flag('multiline', false) };
}

/** `'\\1'` or `'\\g<name>'` as regex_search's group arguments */
function groupValue(match: RegExpExecArray, ref: unknown): string | undefined {
  const s = String(ref);
  const num = /^\\(\d+)$/.exec(s) ?? /^\\g<(\d+)>$/.exec(s);
  if (num) return match[Number(num[1])];
  const named = /^\\g<(\w+)>$/.exec(s);
  if (named) return match.groups?.[named[1]!];
  throw new Error(`group references look like '\\\\1' or '\\\\g<name>', got ${JSON.stringify(s)}`);
}

export const regexFilters: Record<string, FilterDef> = {
  regex_replace: {
    params: ['pattern', 'replacement', 'ignorecase', 'multiline', 'count'],
    fn: (v, a) => {
      const count = Number(a.get('count', 0));
      const re = pythonRegex(toText(a.get('pattern', '')), { ...flagsOf(a), global: true });
      const replacement = pythonReplacement(toText(a.get('replacement', '')));
      if (!count) return toText(v).replace(re, replacement);
      let n = 0;
      return toText(v).replace(re, (...m) => {
        if (n++ >= count) return m[0] as string;
        return (m[0] as string).replace(pythonRegex(toText(a.get('pattern', '')), flagsOf(a)), replacement);
      });
    },
  },
  /** the first match (or the listed groups of it), null when nothing matches */
  regex_search: {
    params: ['pattern'],
    variadic: true,
    keywordOnly: ['ignorecase', 'multiline'],
    fn: (v, a) => {
      const m = pythonRegex(toText(a.get('pattern', '')), flagsOf(a)).exec(toText(v));
      const groups = a.rest();
      if (!m) return groups.length ? [] : null;
      return groups.length ? groups.map((g) => groupValue(m, g) ?? null) : m[0];
    },
  },
  /** every match; with groups in the pattern, the groups (a list per match when more than one) */
  regex_findall: {
    params: ['pattern', 'ignorecase', 'multiline'],
    fn: (v, a) => {
      const re = pythonRegex(toText(a.get('pattern', '')), { ...flagsOf(a), global: true });
      return [...toText(v).matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? '')));
    },
  },
  regex_escape: { fn: (v) => toText(v).replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&') },
};
