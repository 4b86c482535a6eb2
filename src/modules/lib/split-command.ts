/**
 * Split a command line into words the way a POSIX shell would, without expanding anything:
 * quotes group, backslash escapes, `$HOME` and `*` stay as they are (the `command` module runs
 * no shell, so there is nothing to expand them).
 *
 *   splitCommand(`etcdctl put k "a b" 'c d'`) -> ['etcdctl', 'put', 'k', 'a b', 'c d']
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoteChar: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoteChar === "'") {
      if (c === "'") quoteChar = undefined;
      else word += c;
    } else if (quoteChar === '"') {
      if (c === '"') quoteChar = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
        const next = line[++i]!;
        if (next !== '\n') word += next;
      } else word += c;
    } else if (c === "'" || c === '"') {
      quoteChar = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('command ends with a lone backslash');
      const next = line[++i]!;
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quoteChar !== undefined) throw new Error(`unterminated ${quoteChar} quote in command: ${line}`);
  if (inWord) words.push(word);
  return words;
}
