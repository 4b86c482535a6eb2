/**
 * Split an INI host line into words exactly as Ansible does (Python's `shlex.split(line,
 * comments=True)`): quotes group words and are removed, backslash escapes, `#` starts a
 * comment even in the middle of a word. Each word keeps its 0-based start offset so
 * errors can point at the column.
 *
 *   node1 ansible_host=192.0.2.11 motd="hello world"  # note
 *   -> node1 | ansible_host=192.0.2.11 | motd=hello world
 */

export interface Word {
  text: string;
  offset: number;
}

export class ShlexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const WHITESPACE = ' \t\r\n';

export function shlexSplit(line: string): Word[] {
  const words: Word[] = [];
  let token = '';
  let start = -1;
  let quoted = false;
  let i = 0;
  const finish = () => {
    if (start >= 0 && (token !== '' || quoted)) words.push({ text: token, offset: start });
    token = '';
    start = -1;
    quoted = false;
  };
  while (i < line.length) {
    const ch = line[i]!;
    if (WHITESPACE.includes(ch)) {
      finish();
      i++;
    } else if (ch === '#') {
      break;
    } else if (ch === '"' || ch === "'") {
      if (start < 0) start = i;
      quoted = true;
      const close = i;
      i++;
      for (;;) {
        if (i >= line.length) throw new ShlexError('no closing quotation', close);
        const c = line[i]!;
        if (c === ch) {
          i++;
          break;
        }
        // inside double quotes a backslash escapes only `\` and `"`; inside single quotes nothing
        if (ch === '"' && c === '\\') {
          const next = line[i + 1];
          if (next === undefined) throw new ShlexError('no closing quotation', close);
          if (next !== '\\' && next !== '"') token += '\\';
          token += next;
          i += 2;
          continue;
        }
        token += c;
        i++;
      }
    } else if (ch === '\\') {
      if (start < 0) start = i;
      const next = line[i + 1];
      if (next === undefined) throw new ShlexError('nothing after the escaping backslash', i);
      token += next;
      i += 2;
    } else {
      if (start < 0) start = i;
      token += ch;
      i++;
    }
  }
  finish();
  return words;
}
