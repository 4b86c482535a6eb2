/**
 * Values in Ansible INI inventories are typed by Python's `ast.literal_eval`, and kept as
 * the raw string when that fails. This reimplements the part of Python literal syntax
 * that can appear there, so `ansible_port=2222` is a number, `ansible_become=True` a
 * boolean, `roles="['etcd']"` a list, while `ansible_become=true` or `mode=0755` stay
 * strings (neither is a Python literal).
 *
 * Not reproduced: complex numbers (`1j`) stay strings; sets become arrays; integers past
 * 2^53 lose precision.
 */

type Token =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string; bytes: boolean }
  | { kind: 'name'; value: string }
  | { kind: 'op'; value: string };

class NotALiteral extends Error {}

const DIGITS = (d: string) => `[${d}](?:_?[${d}])*`;
const NUMBER = new RegExp(
  '^(?:' +
    [
      `0[xX](?:_?[0-9a-fA-F])+`,
      `0[oO](?:_?[0-7])+`,
      `0[bB](?:_?[01])+`,
      // floats: 1.5  1.  .5  1e3  1.5e-3
      `(?:${DIGITS('0-9')}\\.(?:${DIGITS('0-9')})?|\\.${DIGITS('0-9')})(?:[eE][+-]?${DIGITS('0-9')})?`,
      `${DIGITS('0-9')}[eE][+-]?${DIGITS('0-9')}`,
      // ints: no leading zeros except 0 itself (Python 3 rejects 0755)
      `[1-9](?:_?[0-9])*`,
      `0(?:_?0)*`,
    ].join('|') +
    ')',
);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (' \t\f\r\n'.includes(ch)) {
      i++;
      continue;
    }
    if (ch === '#') break; // a Python comment ends the expression
    if ('()[]{},:+-'.includes(ch)) {
      tokens.push({ kind: 'op', value: ch });
      i++;
      continue;
    }
    const str = /^([rRbBuU]|[bB][rR]|[rR][bB])?('''|"""|'|")/.exec(text.slice(i));
    if (str) {
      const prefix = (str[1] ?? '').toLowerCase();
      const quote = str[2]!;
      const { value, end } = readString(text, i + str[0].length, quote, prefix.includes('r'));
      tokens.push({ kind: 'str', value, bytes: prefix.includes('b') });
      i = end;
      continue;
    }
    const num = NUMBER.exec(text.slice(i));
    if (num) {
      const after = text[i + num[0].length];
      // `1j` (complex), `0755` (old octal), `1abc` are not literals we reproduce
      if (after !== undefined && /[\p{L}\p{N}_.]/u.test(after)) throw new NotALiteral();
      tokens.push({ kind: 'num', value: parseNumber(num[0]) });
      i += num[0].length;
      continue;
    }
    const name = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(text.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0] });
      i += name[0].length;
      continue;
    }
    throw new NotALiteral();
  }
  return tokens;
}

function parseNumber(text: string): number {
  const t = text.replace(/_/g, '');
  if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[oO]/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0[bB]/.test(t)) return parseInt(t.slice(2), 2);
  return Number(t);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function readString(text: string, start: number, quote: string, raw: boolean): { value: string; end: number } {
  let value = '';
  let i = start;
  for (;;) {
    if (i >= text.length) throw new NotALiteral();
    if (text.startsWith(quote, i)) return { value, end: i + quote.length };
    const ch = text[i]!;
    if (quote.length === 1 && ch === '\n') throw new NotALiteral();
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) throw new NotALiteral();
    if (raw) {
      // a raw string keeps the backslash, but it still protects the quote after it
      value += ch + next;
      i += 2;
      continue;
    }
    if (next in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[next];
      i += 2;
    } else if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      value += String.fromCodePoint(parseInt(oct, 8));
      i += 1 + oct.length;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new NotALiteral();
      value += String.fromCodePoint(parseInt(hex, 16));
      i += 2 + len;
    } else {
      // Python keeps unknown escapes as written
      value += ch + next;
      i += 2;
    }
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseAll(): unknown {
    const value = this.expression();
    if (this.pos !== this.tokens.length) throw new NotALiteral();
    return value;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.value === value;
  }

  private expect(value: string): void {
    if (!this.isOp(value)) throw new NotALiteral();
    this.pos++;
  }

  private expression(): unknown {
    const t = this.peek();
    if (!t) throw new NotALiteral();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      // literal_eval accepts one sign, on a number only (parentheses allowed: `-(1)`)
      this.pos++;
      const n = this.atom();
      if (typeof n !== 'number') throw new NotALiteral();
      return t.value === '-' ? -n : n;
    }
    return this.atom();
  }

  private atom(): unknown {
    const t = this.peek();
    if (!t) throw new NotALiteral();
    switch (t.kind) {
      case 'num':
        this.pos++;
        return t.value;
      case 'str': {
        // adjacent strings concatenate; mixing bytes and text is an error in Python
        let value = '';
        const bytes = t.bytes;
        while (this.peek()?.kind === 'str') {
          const s = this.peek() as Extract<Token, { kind: 'str' }>;
          if (s.bytes !== bytes) throw new NotALiteral();
          value += s.value;
          this.pos++;
        }
        return value;
      }
      case 'name':
        this.pos++;
        if (t.value === 'True') return true;
        if (t.value === 'False') return false;
        if (t.value === 'None') return null;
        throw new NotALiteral();
      case 'op':
        if (t.value === '[') return this.sequence('[', ']').items;
        if (t.value === '(') {
          const { items, trailingComma } = this.sequence('(', ')');
          // `(1)` is just 1; `(1,)` and `()` are tuples
          return items.length === 1 && !trailingComma ? items[0] : items;
        }
        if (t.value === '{') return this.braces();
        throw new NotALiteral();
    }
  }

  private sequence(open: string, close: string): { items: unknown[]; trailingComma: boolean } {
    this.expect(open);
    const items: unknown[] = [];
    let trailingComma = false;
    while (!this.isOp(close)) {
      items.push(this.expression());
      trailingComma = false;
      if (this.isOp(',')) {
        this.pos++;
        trailingComma = true;
      } else break;
    }
    this.expect(close);
    return { items, trailingComma };
  }

  private braces(): unknown {
    this.expect('{');
    if (this.isOp('}')) {
      this.pos++;
      return {};
    }
    const first = this.expression();
    if (this.isOp(':')) {
      const dict: Record<string, unknown> = {};
      let key = first;
      for (;;) {
        this.expect(':');
        if (typeof key === 'object' && key !== null) throw new NotALiteral(); // unhashable
        dict[String(key)] = this.expression();
        if (!this.isOp(',')) break;
        this.pos++;
        if (this.isOp('}')) break;
        key = this.expression();
      }
      this.expect('}');
      return dict;
    }
    // a set literal; JSON has no sets, Ansible cannot print one either
    const items = [first];
    while (this.isOp(',')) {
      this.pos++;
      if (this.isOp('}')) break;
      items.push(this.expression());
    }
    this.expect('}');
    return items;
  }
}

/** The value Ansible's INI plugin gives `text`: a Python literal's value, else `text` itself. */
export function iniValue(text: string): unknown {
  try {
    return new Parser(tokenize(text.replace(/^[ \t]+/, ''))).parseAll();
  } catch (e) {
    if (e instanceof NotALiteral) return text;
    throw e;
  }
}
