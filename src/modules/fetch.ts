import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, posix, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { Sha256Tap, sha256OfFile } from './lib/checksum.js';
import { resolveControllerPath } from './lib/controller-path.js';
import { TransferProgress } from './lib/progress.js';
import { statRemote } from './lib/remote-file.js';
import { remotePath } from './lib/schema-fields.js';
import type { Module, ModuleContext, ModuleResult } from './types.js';

const schema = z
  .object({
    src: remotePath('absolute path of the file on the host'),
    dest: z
      .string()
      .min(1)
      .optional()
      .describe("controller directory (or file, with flat) to store into, relative to the playbook directory; default: this run's directory"),
    flat: z
      .boolean()
      .optional()
      .describe('false (default): store as dest/<host>/<src path> so hosts never overwrite each other; true: store at dest itself (dest/<name> when dest ends with /)'),
    fail_on_missing: z.boolean().optional().describe('fail when src does not exist (default true); false reports it and moves on'),
    validate_checksum: z.boolean().optional().describe("compare the stored file's sha256 with the host's (default true)"),
  })
  .strict();

export type FetchArgs = z.infer<typeof schema>;

export interface FetchData {
  src: string;
  dest: string;
  checksum?: string;
  remote_checksum?: string;
  size?: number;
  [key: string]: unknown;
}

/** Where the file lands on the controller (Ansible's layout). */
async function fetchDestination(ctx: ModuleContext, a: FetchArgs): Promise<string> {
  const base = a.dest !== undefined ? resolveControllerPath(ctx.vars, a.dest) : join(ctx.runDir, 'fetch');
  if (!a.flat) {
    // `..` in src (or a host name that is not one path segment) must not climb out of
    // dest/<host>/ (the class of Ansible's CVE-2019-3828): the host path is normalized as the
    // host would resolve it, then the result is checked to be inside
    const hostDir = join(base, ctx.host);
    const dest = join(hostDir, posix.normalize(a.src));
    if (!isInside(base, hostDir) || !isInside(hostDir, dest)) throw new Error(`fetch: ${a.src} from ${ctx.host} would be stored outside ${base}/<host>/; refusing`);
    return dest;
  }
  const name = basename(a.src);
  const isDir = a.dest === undefined || a.dest.endsWith('/') || (existsSync(base) && (await stat(base)).isDirectory());
  if (isDir && (name === '..' || name === '.')) throw new Error(`fetch: src ${a.src} does not name a file; refusing`);
  return isDir ? join(base, name) : base;
}

/** whether `p` is strictly below `dir` */
function isInside(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The stored copy's mode: the source's owner bits only (at least read and write for the owner),
 * never group or others: a fetched key or snapshot must not become readable by every local user
 * of the controller.
 */
export function fetchedFileMode(sourceMode: number): number {
  return (sourceMode & 0o700) | 0o600;
}

/** Copy a file from the host to the controller, streamed and sha256-checked. */
export const fetch = {
  name: 'fetch',
  summary: 'copy a file from the host to the controller (streamed, sha256-checked)',
  schema,
  // it changes no host; what it writes is on the controller
  readOnly: true,
  describe: (a) => `fetch ${a.src} -> ${a.dest ?? '<run dir>/fetch'}${a.flat ? '' : '/<host>' + a.src}`,
  async run(ctx, a): Promise<ModuleResult & { data: FetchData }> {
    const dest = await fetchDestination(ctx, a);
    const verify = a.validate_checksum !== false;
    const st = await statRemote(ctx, a.src, { checksum: verify });
    const data: FetchData = { src: a.src, dest };
    if (!st.exists) {
      const msg = `the remote file ${a.src} does not exist`;
      return a.fail_on_missing === false ? { changed: false, msg, data } : { changed: false, failed: true, msg, data };
    }
    if (st.type !== 'file') return { changed: false, failed: true, msg: `${a.src} is a ${st.type}, not a file`, data };
    data.remote_checksum = st.sha256;
    data.size = st.size;

    if (verify && existsSync(dest) && (await sha256OfFile(dest, ctx.signal)).sha256 === st.sha256) {
      return { changed: false, msg: 'already fetched', data: { ...data, checksum: st.sha256 } };
    }
    if (ctx.check) return { changed: true, msg: `would fetch ${st.size} bytes`, data };

    await mkdir(dirname(dest), { recursive: true });
    const tmp = join(dirname(dest), `.${basename(dest)}.runbook-tmp-${randomBytes(6).toString('hex')}`);
    const progress = new TransferProgress(st.size, ctx.log, `fetch ${a.src}`);
    const tap = new Sha256Tap((n) => progress.update(n));
    try {
      const mode = fetchedFileMode(st.mode);
      // 'wx': created here and now, 0600 from the start whatever the umask
      await pipeline(await ctx.transport.get(a.src, { become: ctx.become }), tap, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), { signal: ctx.signal });
      await chmod(tmp, mode);
      if (verify && tap.digest() !== st.sha256) {
        throw new Error(`sha256 of the fetched ${a.src} is ${tap.digest()}, the host has ${st.sha256} (did it change while being read?)`);
      }
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    if (st.size > 1e7) progress.finish(tap.bytes);
    return { changed: true, msg: `fetched ${tap.bytes} bytes`, data: { ...data, checksum: tap.digest(), size: tap.bytes } };
  },
} satisfies Module<FetchArgs>;
