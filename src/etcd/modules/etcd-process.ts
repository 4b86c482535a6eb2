import { z } from 'zod';
import { execOnHost } from '../../modules/lib/exec.js';
import { describeProcess } from '../../modules/lib/proc-scan.js';
import { parkedPathOf, pathUsers, pollUntilEmpty, startStaticPod, stopStaticPod } from '../../modules/lib/static-pod.js';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { quote } from '../../transport/shell-quote.js';
import { hostConfig } from '../context.js';
import type { EtcdHostConfig } from '../host-config.js';
import { failed } from './common.js';

const STYLES = ['detect', 'systemd', 'env', 'flags', 'static_pod'] as const;

const schema = z
  .object({
    state: z.enum(['stopped', 'started']).describe('stopped: stop etcd and wait until no process uses its data dir; started: start it'),
    style: z
      .enum(STYLES)
      .optional()
      .describe('how etcd runs here: static_pod, or systemd (env and flags are systemd too); detect: a static pod when its manifest (or a parked one) is there. Default: etcd_config_style when the inventory sets it, else detect'),
    parked_dir: z
      .string()
      .regex(/^\//, { message: 'must be an absolute path' })
      .optional()
      .describe('static pods: where the manifest waits while etcd is stopped (default: the manifests dir + "-parked")'),
    timeout: z.number().int().positive().default(120).describe('seconds to wait for etcd to exit (or, on a static pod, to appear)'),
  })
  .strict();

export type EtcdProcessArgs = z.infer<typeof schema>;

type Runs = 'systemd' | 'static_pod';

/** a systemd stop that did nothing cannot be waited out: something else runs etcd */
const FOREIGN_GRACE_S = 5;
const RUNNING = new Set(['active', 'activating', 'reloading']);

async function resolveStyle(ctx: ModuleContext, a: EtcdProcessArgs, c: EtcdHostConfig, parked: string): Promise<{ runs: Runs; how: string }> {
  const explicit = a.style ?? (ctx.vars.etcd_config_style ? c.configStyle : 'detect');
  if (explicit === 'static_pod') return { runs: 'static_pod', how: a.style ? 'style: static_pod' : 'etcd_config_style: static_pod' };
  if (explicit !== 'detect') return { runs: 'systemd', how: a.style ? `style: ${explicit}` : `etcd_config_style: ${explicit}` };
  const r = await execOnHost(ctx, `if [ -e ${quote(c.manifest)} ] || [ -e ${quote(parked)} ]; then echo static_pod; else echo systemd; fi`);
  const runs: Runs = r.stdout.trim() === 'static_pod' ? 'static_pod' : 'systemd';
  return { runs, how: runs === 'static_pod' ? `detected: ${c.manifest} is there` : `detected: no ${c.manifest}` };
}

function unitOf(c: EtcdHostConfig): string {
  return c.service.includes('.') ? c.service : `${c.service}.service`;
}

async function isActive(ctx: ModuleContext, unit: string): Promise<string> {
  const r = await execOnHost(ctx, `systemctl is-active ${quote(unit)}`);
  return r.stdout.trim().split(/\s+/)[0] ?? '';
}

/**
 * systemd: stop the unit, then prove from /proc that nothing holds the data dir. systemctl may
 * say `inactive` or `unknown` while an etcd started some other way still runs on the data:
 * that is a failure, never "already stopped".
 */
async function stopUnit(ctx: ModuleContext, c: EtcdHostConfig, a: EtcdProcessArgs, how: string): Promise<ModuleResult> {
  const unit = unitOf(c);
  const data = { style: 'systemd', style_from: how, service: unit, data_dir: c.dataDir };
  const before = await isActive(ctx, unit);
  const running = RUNNING.has(before);
  if (ctx.check) {
    const users = await pathUsers(ctx, c.dataDir);
    if (!running && users.length) return failed(`${ctx.host}: ${unit} is ${before || 'unknown'}, yet ${users.map(describeProcess).join(', ')} holds ${c.dataDir}: a stop would not stop it`, data);
    return { changed: running, msg: running ? `would stop ${unit}` : `${unit} is ${before}; nothing holds ${c.dataDir}`, data };
  }
  if (running) {
    const r = await execOnHost(ctx, `systemctl stop ${quote(unit)}`);
    if (r.exitCode !== 0) return { changed: false, failed: true, rc: r.exitCode, stderr: r.stderr, msg: `${ctx.host}: systemctl stop ${unit} failed: ${r.stderr.trim()}`, data };
  }
  const left = await pollUntilEmpty(ctx, running ? a.timeout : FOREIGN_GRACE_S, () => pathUsers(ctx, c.dataDir), (l) => `waiting for ${l.map(describeProcess).join(', ')} to let go of ${c.dataDir}`);
  if (left.length) {
    let back = '';
    if (running) {
      // leave the unit as it was found; the process that holds the data is not the unit's
      const r = await execOnHost(ctx, `systemctl start ${quote(unit)}`);
      back = r.exitCode === 0 ? `; ${unit} was started again` : `; starting ${unit} again failed: ${r.stderr.trim()}`;
    }
    return failed(
      `${ctx.host}: ${running ? `${unit} stopped` : `${unit} is ${before || 'unknown'}`}, yet ${left.map(describeProcess).join(', ')} still holds ${c.dataDir}: etcd is running outside ${unit}. Stop it before going on${back}`,
      { ...data, holders: left.map((p) => p.pid) },
    );
  }
  return { changed: running, msg: running ? `${unit} stopped; nothing holds ${c.dataDir}` : `${unit} was ${before}; nothing holds ${c.dataDir}`, data: { ...data, active_before: before } };
}

async function startUnit(ctx: ModuleContext, c: EtcdHostConfig, how: string): Promise<ModuleResult> {
  const unit = unitOf(c);
  const data = { style: 'systemd', style_from: how, service: unit };
  const before = await isActive(ctx, unit);
  if (RUNNING.has(before)) return { changed: false, msg: `${unit} is ${before}`, data: { ...data, active_before: before } };
  if (ctx.check) return { changed: true, msg: `would start ${unit}`, data };
  const r = await execOnHost(ctx, `systemctl start ${quote(unit)}`);
  if (r.exitCode !== 0) return { changed: false, failed: true, rc: r.exitCode, stderr: r.stderr, msg: `${ctx.host}: systemctl start ${unit} failed: ${r.stderr.trim()}`, data };
  return { changed: true, msg: `${unit} started`, data: { ...data, active_before: before } };
}

/**
 * Stop or start this member's etcd however it runs here: a systemd unit (`etcd_service`) or a
 * kubeadm static pod (`etcd_manifest`, parked outside the manifests dir while stopped). Either
 * way a stop ends only when /proc shows no process with the data dir open, so the data dir can
 * be moved safely afterwards; a stop that leaves etcd running fails.
 */
export const etcdProcess: Module<EtcdProcessArgs> = {
  name: 'etcd_process',
  summary: "stop or start this member's etcd (systemd unit or static pod); a stop is proven from /proc",
  schema,
  readOnly: false,
  describe(a) {
    const how =
      a.style === 'static_pod'
        ? a.state === 'stopped'
          ? 'park etcd_manifest outside the manifests dir'
          : 'put etcd_manifest back in the manifests dir'
        : a.style === undefined || a.style === 'detect'
          ? `${a.state === 'stopped' ? 'stop' : 'start'} etcd (static pod when its manifest is there, else systemctl ${a.state === 'stopped' ? 'stop' : 'start'} etcd_service)`
          : `systemctl ${a.state === 'stopped' ? 'stop' : 'start'} etcd_service`;
    return a.state === 'stopped' ? `${how}; wait until no process holds etcd_data_dir` : how;
  },
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const c = hostConfig(ctx);
    const parked = parkedPathOf(c.manifest, a.parked_dir);
    const { runs, how } = await resolveStyle(ctx, a, c, parked);
    if (runs === 'systemd') return a.state === 'stopped' ? stopUnit(ctx, c, a, how) : startUnit(ctx, c, how);
    const target = { manifest: c.manifest, parked, dataDir: c.dataDir, timeoutS: a.timeout, label: 'etcd' };
    const r = a.state === 'stopped' ? await stopStaticPod(ctx, target) : await startStaticPod(ctx, target);
    return { ...r, data: { ...r.data, style_from: how, data_dir: c.dataDir } };
  },
};
