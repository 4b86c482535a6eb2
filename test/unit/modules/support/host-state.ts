/** Fake host state for the stat probe of src/modules/lib/remote-file.ts, as the host would print it. */
import { createHash } from 'node:crypto';

export function sha(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export interface FakeFile {
  type?: 'regular file' | 'directory' | 'symbolic link' | 'fifo';
  mode?: string;
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
  content?: string | Buffer;
  size?: number;
}

/** stdout of `statCommand(path, checksum)` for an existing path */
export function statOutput(f: FakeFile, checksum = true): string {
  const content = f.content ?? '';
  const type = f.type ?? 'regular file';
  const size = f.size ?? Buffer.byteLength(content);
  const line = `${type}|${f.mode ?? '644'}|${f.owner ?? 'root'}|${f.group ?? 'root'}|${f.uid ?? 0}|${f.gid ?? 0}|${size}\n`;
  return checksum && type === 'regular file' ? `${line}${sha(content)}  -\n` : line;
}

/** stdout of `statCommand` for a missing path (with the umask it reports) */
export const ABSENT = 'absent\n0022\n';
