import { z } from 'zod';
import { execOnHost } from '../../modules/lib/exec.js';
import { describeProcess } from '../../modules/lib/proc-scan.js';
import { pathUsers } from '../../modules/lib/static-pod.js';
import type { Module, ModuleResult } from '../../modules/types.js';
import { hostConfig } from '../context.js';
import { ASIDE_NAME, asidePathOf, dataDirProbeCommand, parseDataDirProbe } from '../data-aside.js';
import { failed } from './common.js';

const schema = z
  .object({
    aside_name: z
      .string()
      .regex(ASIDE_NAME, { message: 'a name such as pre-restore-RUNID' })
      .optional()
      .describe('report where etcd_data_aside with this name would keep the data, and refuse when that is taken'),
    path: z.string().regex(/^\//, { message: 'must be an absolute path' }).optional().describe('the dir (default: etcd_data_dir)'),
  })
  .strict();

export type EtcdDataDirInfoArgs = z.infer<typeof schema>;

/**
 * For preflight: what a member's data dir is (there, a mount point, on which filesystem), where
 * its data would be kept when set aside, and which processes hold it now. Changes nothing.
 */
export const etcdDataDirInfo: Module<EtcdDataDirInfoArgs> = {
  name: 'etcd_data_dir_info',
  summary: "read-only: is the data dir a mount point, where would it be set aside, which processes hold it",
  schema,
  readOnly: true,
  describe: (a) => `inspect ${a.path ?? 'etcd_data_dir'} (mount point, filesystem, processes holding it)`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const dir = (a.path ?? hostConfig(ctx).dataDir).replace(/\/+$/, '');
    const names = a.aside_name ? [a.aside_name] : [];
    const pr = await execOnHost(ctx, dataDirProbeCommand(dir, names));
    if (pr.exitCode !== 0) return failed(`${ctx.host}: cannot look at ${dir}: ${pr.stderr.trim()}`);
    const probe = parseDataDirProbe(pr.stdout, names);
    const holders = probe.exists ? await pathUsers(ctx, dir) : [];
    const aside = a.aside_name ? asidePathOf(dir, a.aside_name, probe.mountPoint) : null;
    const data = {
      path: dir,
      exists: probe.exists,
      mount_point: probe.mountPoint,
      filesystem: probe.filesystem ?? null,
      aside,
      // what the operator reads in the confirmation
      aside_text: aside === null ? null : probe.mountPoint ? `the contents of ${dir} (a mount point) -> ${aside}` : `${dir} -> ${aside}`,
      held_by: holders.map(describeProcess),
    };
    if (probe.symlink) return failed(`${ctx.host}: ${dir} is a symlink: set etcd_data_dir to the real path`, data);
    if (probe.exists && !probe.isDir) return failed(`${ctx.host}: ${dir} is not a directory`, data);
    if (a.aside_name && probe.taken.has(a.aside_name)) return failed(`${ctx.host}: ${aside} already exists: a kept copy from an earlier run? Look at it first`, data);
    const where = probe.mountPoint ? `a mount point (${probe.filesystem ?? '?'}): its contents are kept inside it` : probe.exists ? 'a plain dir' : 'absent';
    return { changed: false, msg: `${dir}: ${where}${holders.length ? `; held by ${data.held_by.join(', ')}` : ''}`, data };
  },
};
