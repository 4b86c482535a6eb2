import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write a file so readers see the old content or the new one, never half of it: a temp file
 * beside it, then rename. The temp name starts with a dot and does not end in `.prom`, so
 * node_exporter's textfile collector never picks it up.
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode, flush: true });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
