import { expandBackrefs } from './python-regex.js';

/**
 * What `lineinfile` does to a file's text, as a pure function so every case is a table test.
 * Follows Ansible's rules:
 * - present: the last line matching `regexp` (or containing `search_string`, or equal to `line`)
 *   is replaced by `line` (the first one with `firstmatch`); when none matches, `line` is
 *   inserted after the last `insertafter` match / before the last `insertbefore` match / at
 *   BOF / at EOF (the default, also when the anchor matches nothing). With `backrefs`, a file
 *   without a match is left alone.
 * - absent: every matching line is removed.
 * Line endings are kept: a CRLF file gets CRLF lines, a missing final newline is added only
 * when a line is appended after it.
 */
export interface LineEditSpec {
  state: 'present' | 'absent';
  line?: string;
  regexp?: RegExp;
  search_string?: string;
  insertafter?: 'EOF' | 'BOF' | RegExp;
  insertbefore?: 'BOF' | RegExp;
  firstmatch?: boolean;
  backrefs?: boolean;
}

export interface LineEditResult {
  content: string;
  changed: boolean;
  msg: string;
}

interface Line {
  body: string;
  /** '\n', '\r\n' or '' for a last line without one */
  end: string;
}

export function splitLines(content: string): Line[] {
  const lines: Line[] = [];
  for (const m of content.matchAll(/([^\n]*?)(\r?\n|$)/g)) {
    if (m[0] === '' && m.index === content.length) break;
    lines.push({ body: m[1]!, end: m[2]! });
  }
  return lines;
}

function joinLines(lines: Line[]): string {
  return lines.map((l) => l.body + l.end).join('');
}

function lastIndex(lines: Line[], test: (body: string) => boolean, first: boolean): number {
  let found = -1;
  for (let i = 0; i < lines.length; i++) {
    if (test(lines[i]!.body)) {
      found = i;
      if (first) break;
    }
  }
  return found;
}

export function editLines(content: string, spec: LineEditSpec): LineEditResult {
  const lines = splitLines(content);
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  const matches = (body: string): boolean => {
    if (spec.regexp !== undefined) return spec.regexp.test(body);
    if (spec.search_string !== undefined) return body.includes(spec.search_string);
    return body === spec.line;
  };

  if (spec.state === 'absent') {
    const kept = lines.filter((l) => !matches(l.body));
    const removed = lines.length - kept.length;
    if (removed === 0) return { content, changed: false, msg: '' };
    return { content: joinLines(kept), changed: true, msg: `${removed} line(s) removed` };
  }

  const line = spec.line ?? '';
  const found = lastIndex(lines, matches, spec.firstmatch ?? false);
  if (found >= 0) {
    const current = lines[found]!;
    const wanted = spec.backrefs && spec.regexp ? expandBackrefs(line, spec.regexp.exec(current.body)!) : line;
    if (current.body === wanted) return { content, changed: false, msg: '' };
    lines[found] = { body: wanted, end: current.end };
    return { content: joinLines(lines), changed: true, msg: 'line replaced' };
  }
  if (spec.backrefs) return { content, changed: false, msg: '' };

  const at = insertionIndex(lines, spec);
  if (at === lines.length && lines.length > 0 && lines[lines.length - 1]!.end === '') lines[lines.length - 1]!.end = eol;
  lines.splice(at, 0, { body: line, end: eol });
  return { content: joinLines(lines), changed: true, msg: 'line added' };
}

function insertionIndex(lines: Line[], spec: LineEditSpec): number {
  const first = spec.firstmatch ?? false;
  if (spec.insertbefore === 'BOF' || spec.insertafter === 'BOF') return 0;
  if (spec.insertafter instanceof RegExp) {
    const re = spec.insertafter;
    const i = lastIndex(lines, (b) => re.test(b), first);
    return i >= 0 ? i + 1 : lines.length;
  }
  if (spec.insertbefore instanceof RegExp) {
    const re = spec.insertbefore;
    const i = lastIndex(lines, (b) => re.test(b), first);
    return i >= 0 ? i : lines.length;
  }
  return lines.length;
}
