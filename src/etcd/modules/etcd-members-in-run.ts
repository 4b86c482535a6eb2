import { z } from 'zod';
import { ConfigError, InterruptedError } from '../../errors.js';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { listMembersForReport, type MemberInfo } from '../cluster-info.js';
import { etcdConnection, hostConfig, inventoryMemberHosts, timeoutMs } from '../context.js';
import { leftOutMessage, membersLeftOut, type RunHost } from '../members-left-out.js';
import { failed, membersField, timeoutField } from './common.js';

const schema = z
  .object({
    hosts: z
      .array(z.string())
      .optional()
      .describe('the hosts this run changes (default: the play hosts, as --limit leaves them)'),
    members: membersField,
    why: z
      .string()
      .default('every member of the cluster must take part')
      .describe('why a member may not be left out, said when one is'),
    timeout: timeoutField,
  })
  .strict();

export type EtcdMembersInRunArgs = z.infer<typeof schema>;

/** a short per-member deadline: a member that is down must not hold preflight up */
const DEFAULT_ASK_MS = 5_000;

function runHost(ctx: ModuleContext, host: string): RunHost | undefined {
  try {
    const c = hostConfig(ctx, host);
    return { host, name: c.name, peerUrl: c.peerUrl };
  } catch {
    return undefined;
  }
}

function playHosts(ctx: ModuleContext): string[] {
  const v = ctx.vars.ansible_play_hosts ?? ctx.vars.play_hosts;
  return Array.isArray(v) ? v.filter((h): h is string => typeof h === 'string') : [ctx.host];
}

interface Answer {
  host: string;
  clusterId?: string;
  members?: MemberInfo[];
  error?: string;
}

async function ask(ctx: ModuleContext, host: string, ms: number): Promise<Answer> {
  try {
    const conn = await etcdConnection(ctx, host);
    const { clusterId, members } = await listMembersForReport(conn, ms);
    return { host, clusterId, members };
  } catch (e) {
    // a bad inventory or Ctrl-C stops the run; a member that is down, or a host that cannot be
    // reached, is one answer fewer
    if (e instanceof ConfigError || e instanceof InterruptedError) throw e;
    return { host, error: (e as Error).message };
  }
}

/**
 * Before a change that must cover the whole cluster (a restore): ask every member the inventory
 * knows (the run's hosts first, then the others, e.g. those --limit left out) for the running
 * cluster's member list, and fail when a member is none of the run's hosts. When no member
 * answers there is no running cluster to compare with, and the check passes saying so.
 * Read-only.
 */
export const etcdMembersInRun: Module<EtcdMembersInRunArgs> = {
  name: 'etcd_members_in_run',
  summary: "check every member of the running cluster is one of the run's hosts (none left out by --limit or the inventory)",
  schema,
  readOnly: true,
  describe: () => 'check no member of the running etcd cluster is left out of this run',
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const ms = timeoutMs(ctx, a.timeout, DEFAULT_ASK_MS);
    const inRun = a.hosts ?? playHosts(ctx);
    let known: string[] = [];
    try {
      known = inventoryMemberHosts(ctx, a.members);
    } catch (e) {
      if (a.members !== undefined) throw e;
    }
    const askOrder = [...inRun, ...known.filter((h) => !inRun.includes(h))];
    const answers = await Promise.all(askOrder.map((h) => ask(ctx, h, ms)));
    const first = answers.find((x) => x.members !== undefined);
    const tried = answers.map((x) => `${x.host}: ${x.error ?? 'answered'}`);
    if (!first?.members) {
      return {
        changed: false,
        msg: `no member answered (${tried.join('; ')}): no running cluster to compare the run's hosts with`,
        data: { compared: false, answered_by: null, cluster_id: null, members: [], left_out: [] },
      };
    }
    const runHosts = inRun.map((h) => runHost(ctx, h)).filter((h): h is RunHost => h !== undefined);
    const others = known.filter((h) => !inRun.includes(h)).map((h) => runHost(ctx, h)).filter((h): h is RunHost => h !== undefined);
    const leftOut = membersLeftOut(first.members, runHosts, others);
    const data = {
      compared: true,
      answered_by: first.host,
      cluster_id: first.clusterId,
      members: first.members.map((m) => m.name || m.id),
      left_out: leftOut.map((l) => ({ id: l.member.id, name: l.member.name, peer_urls: l.member.peerUrls, host: l.host ?? null })),
    };
    if (leftOut.length > 0) return failed(leftOutMessage(leftOut, first.members.length, first.host, a.why), data);
    return {
      changed: false,
      msg: `all ${first.members.length} members of cluster ${first.clusterId} (as ${first.host} answers) are hosts of this run`,
      data,
    };
  },
};
