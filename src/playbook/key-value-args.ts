/**
 * Ansible's inline `key=value` arguments (`debug: msg="hello {{ name }}"`), read the way Ansible
 * splits them: on spaces outside quotes and outside `{{ }}` / `{% %}`. Values stay strings.
 */

/** The pairs, or undefined when the text is not entirely `key=value` words. */
export function parseKeyValueArgs(text: string): Record<string, string> | undefined {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const two = text.slice(i, i + 2);
    if (quote) {
      if (c === '\\' && i + 1 < text.length) {
        word += c + text[++i];
        continue;
      }
      if (c === quote) quote = undefined;
      word += c;
    } else if (two === '{{' || two === '{%') {
      depth++;
      word += two;
      i++;
    } else if ((two === '}}' || two === '%}') && depth > 0) {
      depth--;
      word += two;
      i++;
    } else if ((c === '"' || c === "'") && depth === 0) {
      quote = c;
      word += c;
    } else if (/\s/.test(c) && depth === 0) {
      if (word) words.push(word);
      word = '';
    } else {
      word += c;
    }
  }
  if (quote || depth) return undefined;
  if (word) words.push(word);
  const out: Record<string, string> = {};
  for (const w of words) {
    const m = /^([A-Za-z_]\w*)=(.*)$/s.exec(w);
    if (!m) return undefined;
    out[m[1]!] = unquote(m[2]!);
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1).replace(new RegExp(`\\\\([\\\\${v[0]}])`, 'g'), '$1');
  }
  return v;
}
