import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { sha256Hex, sha256OfFile } from './checksum.js';
import type { FileContent } from './install-file.js';
import { DIFF_LIMIT_BYTES } from './text-diff.js';
import { checkTrustedFile } from '../../util/trusted-files.js';

export function bufferContent(body: Buffer): FileContent {
  return { body, size: body.length, sha256: sha256Hex(body) };
}

/** A controller file: small ones are read into memory (so they can be diffed), big ones streamed. */
export async function controllerFileContent(path: string, signal: AbortSignal): Promise<FileContent> {
  checkTrustedFile(path, 'source file');
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file (copying directories is not supported)`);
  if (info.size <= DIFF_LIMIT_BYTES) return bufferContent(await readFile(path, { signal }));
  const { sha256, size } = await sha256OfFile(path, signal);
  return { body: () => createReadStream(path), size, sha256 };
}
