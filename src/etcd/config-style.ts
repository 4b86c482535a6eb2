/**
 * Which way a member keeps its options: the inventory's `etcd_config_style` when it is set,
 * else what the host shows. A kubeadm node has etcd's manifest in the kubelet's manifests dir
 * (`etcd_manifest`); anything else is taken for an environment file, as before.
 *
 * Runbooks show the style in their plan (`detected: true` when the host told it), so an
 * operator sees before confirming that the manifest, not a unit, will be edited.
 */
import { execOnHost } from '../modules/lib/exec.js';
import { parkedPathOf } from '../modules/lib/static-pod.js';
import type { ModuleContext } from '../modules/types.js';
import { sh } from '../transport/shell-quote.js';
import { hostConfig, hostVars, memberHost } from './context.js';
import type { EtcdConfigStyle } from './host-config.js';

export interface ResolvedStyle {
  style: EtcdConfigStyle;
  /** true when the inventory did not say and the host was asked */
  detected: boolean;
}

export async function resolveConfigStyle(ctx: ModuleContext, host: string = memberHost(ctx)): Promise<ResolvedStyle> {
  const config = hostConfig(ctx, host);
  const given = hostVars(ctx, host).etcd_config_style;
  if (given !== undefined && given !== null && given !== '') return { style: config.configStyle, detected: false };
  // a manifest parked while its etcd is stopped (etcd_process) still makes a static pod
  const parked = parkedPathOf(config.manifest);
  const r = await execOnHost(ctx, sh`if test -f ${config.manifest} || test -f ${parked}; then echo static_pod; else echo env; fi`);
  // no clear answer keeps the style every runbook assumed before detection existed
  return { style: r.stdout.trim() === 'static_pod' ? 'static_pod' : 'env', detected: true };
}
