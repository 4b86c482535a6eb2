/** Files larger than this are not shown in diffs: a diff is for a person to read. */
export const DIFF_LIMIT_BYTES = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a file for `--diff`, or a note saying why it is not shown. */
export function diffableText(content: Buffer | undefined, size: number): string {
  if (content === undefined || size > DIFF_LIMIT_BYTES) return `[not shown: ${size} bytes, larger than 256 KiB]\n`;
  const text = decodeText(content);
  return text ?? `[not shown: binary content, ${size} bytes]\n`;
}

/** UTF-8 text, or undefined for binary content (a NUL byte or invalid UTF-8). */
export function decodeText(content: Buffer): string | undefined {
  if (content.includes(0)) return undefined;
  try {
    return utf8.decode(content);
  } catch {
    return undefined;
  }
}
