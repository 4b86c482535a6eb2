import { z } from 'zod';
import { execOnHost } from '../../modules/lib/exec.js';
import { describeProcess } from '../../modules/lib/proc-scan.js';
import { pathUsers } from '../../modules/lib/static-pod.js';
import type { Module, ModuleResult } from '../../modules/types.js';
import { hostConfig } from '../context.js';
import { ASIDE_NAME, asidePathOf, dataDirProbeCommand, parseDataDirProbe, putBackCommand, setAsideCommand } from '../data-aside.js';
import { failed } from './common.js';

const asideName = z.string().regex(ASIDE_NAME, { message: 'a name such as pre-restore-RUNID or failed-restore-RUNID' });

const schema = z
  .object({
    name: asideName.describe('the kept copy: DATA_DIR.NAME beside a plain dir, DATA_DIR/.NAME inside a mount point (pre-restore-{{ run_id }})'),
    state: z.enum(['aside', 'back']).default('aside').describe('aside: move the data out of the way; back: put the kept copy back in place'),
    replaced_name: asideName
      .optional()
      .describe('back: what is in the data dir now is kept under this name first (failed-restore-{{ run_id }}); needed when it is not empty'),
    path: z.string().regex(/^\//, { message: 'must be an absolute path' }).optional().describe('the dir (default: etcd_data_dir)'),
  })
  .strict()
  .refine((a) => a.state !== 'back' || a.replaced_name !== undefined, { message: 'state: back needs replaced_name, so what is there now is kept too' });

export type EtcdDataAsideArgs = z.infer<typeof schema>;

/**
 * Set a member's data dir aside before a restore or a re-join, or put it back on rollback.
 * Nothing is deleted and nothing crosses filesystems: a mount point keeps its contents in a
 * hidden dir inside it (see data-aside.ts). Before anything moves, /proc must show that no
 * process has a file, its cwd or a mapping under the dir: a data dir is never moved under a
 * running etcd, whatever systemctl or kubelet said.
 */
export const etcdDataAside: Module<EtcdDataAsideArgs> = {
  name: 'etcd_data_aside',
  summary: "move a member's data dir aside (a mount point: its contents, on the same disk), or put it back; never while a process holds it",
  schema,
  readOnly: false,
  describe: (a) =>
    a.state === 'back'
      ? `put ${a.path ?? 'etcd_data_dir'}.${a.name} (or /.${a.name} in a mount point) back; keep what is there as ${a.replaced_name}`
      : `move ${a.path ?? 'etcd_data_dir'} to .${a.name} (a mount point: its contents, inside it), once no process holds it`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const dir = (a.path ?? hostConfig(ctx).dataDir).replace(/\/+$/, '');
    const names = [a.name, ...(a.replaced_name ? [a.replaced_name] : [])];
    const pr = await execOnHost(ctx, dataDirProbeCommand(dir, names));
    if (pr.exitCode !== 0) return failed(`${ctx.host}: cannot look at ${dir}: ${pr.stderr.trim()}`);
    const probe = parseDataDirProbe(pr.stdout, names);
    const aside = asidePathOf(dir, a.name, probe.mountPoint);
    const data: Record<string, unknown> = { path: dir, aside, mount_point: probe.mountPoint, filesystem: probe.filesystem ?? null, moved: false };
    if (probe.symlink) return failed(`${ctx.host}: ${dir} is a symlink: give the real path`, data);
    if (probe.exists && !probe.isDir) return failed(`${ctx.host}: ${dir} is not a directory`, data);

    if (a.state === 'aside' && !probe.exists) return { changed: false, msg: `${dir} does not exist: nothing to set aside`, data };
    if (a.state === 'back' && !probe.taken.has(a.name)) return { changed: false, msg: `no kept copy at ${aside}: nothing to put back`, data };
    if (a.state === 'aside' && probe.taken.has(a.name)) return failed(`${ctx.host}: ${aside} already exists: a kept copy from an earlier run? Look at it first`, data);

    // the proof: nothing may hold the dir while it moves, in either direction
    const holders = await pathUsers(ctx, dir);
    if (holders.length) {
      return failed(`${ctx.host}: ${holders.map(describeProcess).join(', ')} still holds ${dir}: refusing to move a data dir in use. Stop etcd first`, {
        ...data,
        holders: holders.map((p) => p.pid),
      });
    }
    const replaced = a.replaced_name ? asidePathOf(dir, a.replaced_name, probe.mountPoint) : undefined;
    if (replaced) data.replaced = replaced;
    const how = probe.mountPoint ? `the contents of ${dir} (a mount point) ` : `${dir} `;
    if (ctx.check) return { changed: true, msg: a.state === 'aside' ? `would move ${how}to ${aside}` : `would put ${aside} back in ${dir}`, data };

    const command = a.state === 'aside' ? setAsideCommand(dir, aside, probe.mountPoint) : putBackCommand(dir, aside, replaced!, probe.mountPoint);
    const r = await execOnHost(ctx, command);
    if (r.exitCode !== 0) {
      return { changed: false, failed: true, rc: r.exitCode, stdout: r.stdout, stderr: r.stderr, msg: `${ctx.host}: moving ${dir} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`, data };
    }
    const did = r.stdout.trim().split('\n').pop();
    if (a.state === 'aside') return { changed: true, msg: `moved ${how}to ${aside} (kept, never deleted)`, data: { ...data, moved: true } };
    if (did !== 'back') return { changed: false, msg: `no kept copy at ${aside}: nothing to put back`, data };
    return { changed: true, msg: `put ${aside} back in ${dir}; what was there is kept at ${replaced}`, data: { ...data, moved: true } };
  },
};
