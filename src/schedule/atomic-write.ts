import { randomBytes } from 'node:crypto';
import { chmod, chown, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write a file so readers see the old content or the new one, never half of it: a temp file
 * beside it, then rename. The temp name starts with a dot and does not end in `.prom`, so
 * node_exporter's textfile collector never picks it up.
 *
 * An existing file keeps its mode and owner (a rename would otherwise hand a root-owned 0600
 * schedules file, with -e secrets in it, to whoever ran the command, with the default mode);
 * a new file gets `newFileMode`.
 */
export async function writeFileAtomic(path: string, content: string, newFileMode = 0o644): Promise<void> {
  const current = await stat(path).catch(() => undefined);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // 'wx': a random name this process creates, 0600 until the final mode is set
    await writeFile(tmp, content, { mode: 0o600, flag: 'wx', flush: true });
    if (current) await chown(tmp, current.uid, current.gid).catch(() => undefined);
    await chmod(tmp, current ? current.mode & 0o7777 : newFileMode);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
