import { posix } from 'node:path';
import type { ModuleContext } from '../types.js';
import { statRemote, type RemoteStat } from './remote-file.js';

/**
 * Where a file goes: like Ansible and cp, a dest that is a directory (or ends in `/`)
 * receives the file under its source name. Returns the stat (with sha256) of the final path.
 */
export async function resolveDest(
  ctx: ModuleContext,
  dest: string,
  srcName: string | undefined,
): Promise<{ path: string; current: RemoteStat }> {
  const inDir = async (dir: string) => {
    if (srcName === undefined) throw new Error(`dest ${dest} is a directory; give the path of a file`);
    const path = posix.join(dir, srcName);
    return { path, current: await statRemote(ctx, path, { checksum: true }) };
  };
  if (dest.endsWith('/')) return inDir(dest);
  const current = await statRemote(ctx, dest, { checksum: true });
  if (current.exists && current.type === 'directory') return inDir(dest);
  return { path: dest, current };
}
