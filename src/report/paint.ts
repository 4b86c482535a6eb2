/**
 * Colours and icons of the terminal views, in one place so the live tree and the recap agree
 * (Ansible's: ok green, changed yellow, skipped dim, failed red, ignored cyan). NO_COLOR
 * (https://no-color.org) turns every colour off, as it does for listr2's own.
 */
export type Tone = 'ok' | 'changed' | 'skipped' | 'failed' | 'ignored' | 'dim' | 'bold';

const SGR: Record<Tone, number> = { ok: 32, changed: 33, skipped: 2, failed: 31, ignored: 36, dim: 2, bold: 1 };

export const ICON: Record<'ok' | 'changed' | 'skipped' | 'failed' | 'ignored', string> = { ok: '✔', changed: '✔', skipped: '↓', failed: '✖', ignored: '✔' };

export function colorWanted(): boolean {
  const no = process.env.NO_COLOR;
  return !(no !== undefined && no !== '') && Boolean(process.stdout.isTTY);
}

export function painter(color = colorWanted()): (tone: Tone, text: string) => string {
  return (tone, text) => (color && text ? `\x1b[${SGR[tone]}m${text}\x1b[0m` : text);
}

/**
 * One line as rows of at most `width` characters, broken between words (a word longer than a
 * row is cut), each row after the first indented by `indent` spaces so it reads as the same line.
 */
export function wrapWords(line: string, width: number | undefined, indent = 0): string[] {
  if (!width || width < 20 || line.length <= width) return [line];
  const pad = ' '.repeat(Math.min(indent, width - 10));
  const rows: string[] = [];
  let row = '';
  const words = line.split(/(?<= )/); // each word keeps its trailing space
  for (let w of words) {
    for (;;) {
      const room = width - row.length;
      if (w.trimEnd().length <= room) {
        row += w;
        break;
      }
      if (row.trim() !== '' && row !== pad) {
        rows.push(row.trimEnd());
        row = pad;
        w = w.trimStart();
        continue;
      }
      // a word wider than a whole row: cut it
      row += w.slice(0, room);
      rows.push(row);
      row = pad;
      w = w.slice(room);
      if (!w) break;
    }
  }
  if (row.trim() !== '') rows.push(row.trimEnd());
  return rows;
}

/** the terminal's columns when printing to one */
export function terminalWidth(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}
