import { z } from 'zod';
import { parkedPathOf, parkedPathProblem, startStaticPod, stopStaticPod } from './lib/static-pod.js';
import type { Module, ModuleResult } from './types.js';

const absolute = z.string().min(1).regex(/^\//, { message: 'must be an absolute path' });

const schema = z
  .object({
    manifest: absolute.describe("the pod's manifest in kubelet's manifests dir, e.g. /etc/kubernetes/manifests/kube-apiserver.yaml"),
    state: z.enum(['stopped', 'started']).describe('stopped: park the manifest and wait until the process is gone; started: put it back and wait for the process'),
    parked_dir: absolute
      .optional()
      .describe('where the manifest waits while stopped; never in or under the manifests dir (default: the manifests dir + "-parked", e.g. /etc/kubernetes/manifests-parked)'),
    data_dir: absolute.optional().describe('a stop also waits until no process has this dir open (etcd: its data dir)'),
    timeout: z.number().int().positive().default(120).describe('seconds to wait for the process to exit or to appear'),
  })
  .strict()
  .superRefine((a, ctx) => {
    const problem = parkedPathProblem(a.manifest, parkedPathOf(a.manifest, a.parked_dir));
    if (problem) ctx.addIssue({ code: 'custom', path: ['parked_dir'], message: problem });
  });

export type StaticPodArgs = z.infer<typeof schema>;

/**
 * Stop or start a kubelet static pod by moving its manifest out of the manifests dir and back.
 * The process is watched in /proc: a stop is done when no process runs the pod's command (and
 * none holds `data_dir`), a start when the process is there. A stop that does not make the
 * process go away puts the manifest back and fails. For etcd itself, `etcd_process` does this
 * with the member's inventory settings, on static pods and systemd alike.
 */
export const staticPod: Module<StaticPodArgs> = {
  name: 'static_pod',
  summary: 'stop or start a kubelet static pod by parking its manifest outside the manifests dir; waits on the process in /proc',
  schema,
  readOnly: false,
  describe(a) {
    const parked = parkedPathOf(a.manifest, a.parked_dir);
    return a.state === 'stopped' ? `mv ${a.manifest} ${parked}, wait until its process is gone` : `mv ${parked} ${a.manifest}, wait for its process`;
  },
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const target = {
      manifest: a.manifest,
      parked: parkedPathOf(a.manifest, a.parked_dir),
      dataDir: a.data_dir,
      timeoutS: a.timeout,
      label: a.manifest.split('/').pop()!.replace(/\.ya?ml$/, ''),
    };
    return a.state === 'stopped' ? stopStaticPod(ctx, target) : startStaticPod(ctx, target);
  },
};
