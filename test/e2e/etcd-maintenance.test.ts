/**
 * playbooks/etcd-maintenance.yaml against real 3-member etcd 3.4 clusters started with a 16 MiB
 * backend quota, plain (`maint`) and with client certificates (`mainttls`), through the real CLI.
 * The clusters are filled until etcd raises NOSPACE ("mvcc: database space exceeded"); after the
 * runbook they must take writes again, with smaller databases, every key kept, and the leader
 * defragmented last. With TLS the runbook also raises the quota and sets auto-compaction with its
 * rolling restart. Results are checked with etcdctl and /proc on the hosts.
 */
import test from 'ava';
import type { RunEvent } from '../../src/events/types.js';
import { fillUntilNoSpace, keysUnder, putKeys } from '../helpers/etcd-writer.js';
import { CliSession, describeRun, type CliResult } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const PLAYBOOK = 'playbooks/etcd-maintenance.yaml';
const QUOTA = 16 * 1024 * 1024;
const HOSTS = ['node1', 'node2', 'node3'];

const plainSandbox = useSandbox(test, { name: 'maint', quota: QUOTA });
const tlsSandbox = useSandbox(test, { name: 'mainttls', tls: true, quota: QUOTA });

const cli = new CliSession('maint-');
test.after(() => cli.remove());

/** `runbook apply` as an operator runs it, events as JSON lines */
function apply(sb: Sandbox, extra: string[]): Promise<CliResult> {
  return cli.apply(PLAYBOOK, { inventory: sb.inventoryYaml, args: extra, timeoutMs: 600_000 });
}

interface EndpointStatus {
  Status: { header: { member_id: number | string }; leader: number | string; dbSize: number };
}

/** db size and leadership of each member, as etcdctl on the member reports them */
async function statusOf(sb: Sandbox): Promise<Record<string, { dbSize: number; leader: boolean }>> {
  const out: Record<string, { dbSize: number; leader: boolean }> = {};
  for (const h of HOSTS) {
    const r = await sb.etcdctl(h, ['endpoint', 'status', '-w', 'json']);
    // member ids are 64-bit: compare them as text, never as JS numbers
    const raw = r.stdout.replace(/"(member_id|leader)":(\d+)/g, '"$1":"$2"');
    const [s] = JSON.parse(raw) as EndpointStatus[];
    out[h] = { dbSize: s!.Status.dbSize, leader: String(s!.Status.header.member_id) === String(s!.Status.leader) };
  }
  return out;
}

type Flavour = { label: string; sb: () => Sandbox; extra: string[] };
const flavours: Flavour[] = [
  { label: 'plain', sb: plainSandbox, extra: [] },
  // the lasting fix too: a larger quota and hourly auto-compaction, with a rolling restart
  { label: 'TLS', sb: tlsSandbox, extra: ['-e', 'quota_backend_bytes=32M', '-e', 'auto_compaction_retention=1'] },
];

for (const { label, sb, extra } of flavours) {
  test.serial(`${label}: a quota above 8 GiB is refused in preflight, nothing changed`, async (t) => {
    const s = sb();
    const before = await s.hostExec('node1', 'sha256sum /etc/etcd/etcd.conf; pidof etcd');
    const r = await apply(s, ['-e', 'quota_backend_bytes=100G']);
    t.is(r.code, 3, describeRun(r));
    t.false(r.events.some((e) => e.type === 'task:start' && e.phase === 'task'));
    t.is((await s.hostExec('node1', 'sha256sum /etc/etcd/etcd.conf; pidof etcd')).stdout, before.stdout);
  });

  test.serial(`${label}: NOSPACE: compacted, defragmented leader last, alarm disarmed, writable again, every key kept`, async (t) => {
    const s = sb();
    const kept = await putKeys(s.endpoints[0]!, s.tlsFiles, `/mt/${label}/keep/`, 50);
    const fill = await fillUntilNoSpace(s.endpoints[0]!, s.tlsFiles, `/mt/${label}/fill/`);
    t.log(`NOSPACE after ${fill.writes} writes: ${fill.error}`);
    const alarms = await s.etcdctl('node2', ['alarm', 'list']);
    t.regex(alarms.stdout, /alarm:NOSPACE/);
    const refused = await s.etcdctl('node3', ['put', `/mt/${label}/before`, 'x']);
    t.regex(refused.stderr, /database space exceeded/);

    const before = await statusOf(s);
    const leader = HOSTS.find((h) => before[h]!.leader)!;
    t.truthy(leader);
    const pids = (await s.hostExec('node1', 'pidof etcd')).stdout;

    const r = await apply(s, extra);
    t.is(r.code, 0, describeRun(r));

    // writable again, no alarm left, the probe key cleaned up
    t.is((await s.etcdctl('node1', ['alarm', 'list'])).stdout.trim(), '');
    const put = await s.etcdctl('node2', ['put', `/mt/${label}/after`, 'ok']);
    t.is(put.code, 0, put.stderr);
    t.is((await s.etcdctl('node3', ['get', '/runbook/maintenance-probe/', '--prefix', '--keys-only'])).stdout.trim(), '');

    // every member's database shrank
    const after = await statusOf(s);
    for (const h of HOSTS) t.true(after[h]!.dbSize < before[h]!.dbSize, `${h}: ${before[h]!.dbSize} -> ${after[h]!.dbSize}`);

    // every key is still there: compaction drops old revisions, not keys
    t.deepEqual((await keysUnder(s.endpoints[1]!, s.tlsFiles, `/mt/${label}/keep/`)).sort(), kept.sort());
    t.is((await keysUnder(s.endpoints[2]!, s.tlsFiles, `/mt/${label}/fill/`)).length, 5);

    // the order, from the run's events: each member defragmented once, the leader last, and
    // only after leadership was handed to a member already defragmented
    const ends = r.events.filter((e): e is Extract<RunEvent, { type: 'host:end' }> => e.type === 'host:end' && e.phase === 'task');
    const defrags = ends.filter((e) => /^Defragment (?!the)/.test(e.task) && e.status === 'changed').map((e) => e.host);
    t.is(defrags.length, 3, JSON.stringify(defrags));
    t.deepEqual([...defrags].sort(), HOSTS);
    t.is(defrags.at(-1), leader, `defragmented in the order ${defrags.join(', ')}; the leader was ${leader}`);
    const moved = ends.findIndex((e) => /^Hand leadership from /.test(e.task) && e.status === 'changed');
    const leaderDefrag = ends.findIndex((e) => /^Defragment (?!the)/.test(e.task) && e.host === leader && e.status === 'changed');
    t.true(moved >= 0 && moved < leaderDefrag, 'leadership moved away before the old leader was defragmented');
    t.is(ends[moved]!.host, leader);

    if (extra.length === 0) {
      t.is((await s.hostExec('node1', 'pidof etcd')).stdout, pids, 'no restart without new settings');
      return;
    }
    // the lasting fix: every member runs with the new quota and auto-compaction, restarted one
    // at a time, the member leading at that moment last
    for (const h of HOSTS) {
      const env = await s.hostExec(h, 'tr "\\0" "\\n" < /proc/$(pidof etcd)/environ');
      t.regex(env.stdout, /^ETCD_QUOTA_BACKEND_BYTES=33554432$/m, h);
      t.regex(env.stdout, /^ETCD_AUTO_COMPACTION_RETENTION=1$/m, h);
    }
    const restarts = ends.filter((e) => /^Restart etcd on /.test(e.task) && e.status === 'changed').map((e) => e.host);
    t.is(restarts.length, 3, JSON.stringify(restarts));
    // the member that took over leadership from the old leader leads into the restart: it goes last
    const newLeader = /leadership moved from \S+ \(\w+\) to etcd(\d)/.exec(ends[moved]!.msg ?? '')?.[1];
    t.truthy(newLeader, ends[moved]!.msg);
    t.is(restarts.at(-1), `node${newLeader}`, `restarted in the order ${restarts.join(', ')}`);
    const health = await s.etcdctl('node1', ['endpoint', 'health', '--cluster']);
    t.is(health.code, 0, health.stderr);
  });
}
