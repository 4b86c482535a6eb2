import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { hostConfig } from '../context.js';
import { chooseOfflineTool, NoOfflineToolError } from '../offline-tool.js';
import { detectEtcdVersions } from '../versions.js';

const schema = z.object({}).strict();

export type EtcdVersionArgs = z.infer<typeof schema>;

/** Which etcd, etcdctl and etcdutl the host has, and which of them does offline work. */
export const etcdVersion: Module<EtcdVersionArgs> = {
  name: 'etcd_version',
  summary: 'detect the etcd, etcdctl and etcdutl versions on the host and the tool for offline work',
  schema,
  readOnly: true,
  describe: () => 'detect etcd / etcdctl / etcdutl versions',
  factNames: () => ['etcd_version', 'etcdctl_version', 'etcdutl_version', 'etcd_offline_tool'],
  async run(ctx) {
    const config = hostConfig(ctx);
    // probe again: this module is what a runbook calls after an upgrade
    const v = await detectEtcdVersions(ctx.transport, config, { become: ctx.become, refresh: true, signal: ctx.signal });
    let tool: string | null = null;
    let toolProblem: string | null = null;
    try {
      tool = chooseOfflineTool(v, ctx.transport.host).kind;
    } catch (e) {
      if (!(e instanceof NoOfflineToolError)) throw e;
      toolProblem = e.message;
    }
    const data = {
      etcd: v.etcd ?? null,
      etcdctl: v.etcdctl ?? null,
      etcdutl: v.etcdutl ?? null,
      offline_tool: tool,
      offline_tool_problem: toolProblem,
    };
    const show = (name: string, t?: { version: string; path: string }) => (t ? `${name} ${t.version} (${t.path})` : `${name} not found`);
    return {
      changed: false,
      msg: [show('etcd', v.etcd), show('etcdctl', v.etcdctl), show('etcdutl', v.etcdutl), tool ? `offline tool: ${tool}` : toolProblem].join(', '),
      data,
      facts: {
        etcd_version: v.etcd?.version ?? null,
        etcdctl_version: v.etcdctl?.version ?? null,
        etcdutl_version: v.etcdutl?.version ?? null,
        etcd_offline_tool: tool,
      },
    };
  },
};
