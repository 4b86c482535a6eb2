/**
 * playbooks/etcd-maintenance.yaml on a cluster whose database is full of live data: a real
 * 3-member etcd 3.4 sandbox with a 16 MiB backend quota, filled with new keys (no old revisions)
 * until etcd raises NOSPACE. What compaction and defrag give back is not enough: the run used to
 * succeed in silence while the next writes raised NOSPACE again, and a defrag with nothing to
 * reclaim reported "12.8 MB -> 12.8 MB" without a word. Now the run ends with a warning per member that live data
 * is near the quota and what to do, and a defrag that cannot shrink the file says why. Checked
 * with etcdctl on the hosts and the run's events.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { EventOf } from '../../src/events/types.js';
import { fillLiveUntilNoSpace } from '../helpers/etcd-writer.js';
import { CliSession, type CliResult, describeRun } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';

const PLAYBOOK = 'playbooks/etcd-maintenance.yaml';
const QUOTA = 16 * 1024 * 1024;
const HOSTS = ['node1', 'node2', 'node3'];

const sandbox = useSandbox(test, { name: 'mquota', quota: QUOTA });
const cli = new CliSession('maint-quota-');
test.after(() => cli.remove());

function taskEnds(r: CliResult, task: RegExp): Array<EventOf<'host:end'>> {
  return r.events.filter((e): e is EventOf<'host:end'> => e.type === 'host:end' && e.phase === 'task' && task.test(e.task));
}

function assertQuotaWarnings(t: ExecutionContext, r: CliResult): void {
  for (const c of taskEnds(r, /^Live data against the quota/)) t.log(`${c.host}: ${c.msg}`);
  const warnings = r.events.filter((e): e is EventOf<'warning'> => e.type === 'warning');
  for (const h of HOSTS) {
    const w = warnings.find((e) => e.host === h);
    t.truthy(w, `a warning for ${h}: ${JSON.stringify(warnings)}`);
    t.regex(w?.message ?? '', new RegExp(`^${h}: live data is .*% of the quota 16\\.8 MB .*NOSPACE.*Raise the quota .* or delete data`));
  }
}

test.serial('live data at the quota: the run ends with a warning per member saying what to do', async (t) => {
  const sb = sandbox();
  const fill = await fillLiveUntilNoSpace(sb.endpoints[0]!, sb.tlsFiles, '/live/');
  t.log(`NOSPACE after ${fill.writes} new keys: ${fill.error}`);
  t.regex((await sb.etcdctl('node2', ['alarm', 'list'])).stdout, /alarm:NOSPACE/, 'precondition: NOSPACE raised');

  const r = await cli.apply(PLAYBOOK, { inventory: sb.inventoryYaml, timeoutMs: 600_000 });
  t.is(r.code, 0, describeRun(r));
  for (const d of taskEnds(r, /^Defragment node\d$/).filter((e) => e.status === 'changed')) t.log(`${d.host}: ${d.msg}`);
  assertQuotaWarnings(t, r);
});

test.serial('a defrag with nothing to reclaim says so instead of "12.8 MB -> 12.8 MB"', async (t) => {
  const sb = sandbox();
  // the second of two defrags in a row finds a file with no free page left
  const playbook = join(cli.dir, 'defrag-twice.yaml');
  writeFileSync(
    playbook,
    `- hosts: node2
  tasks:
    - name: First defrag
      etcd_defrag: { allow_leader: true }
    - name: Second defrag
      etcd_defrag: { allow_leader: true }
`,
  );
  const r = await cli.apply(playbook, { inventory: sb.inventoryYaml });
  t.is(r.code, 0, describeRun(r));
  const [second] = taskEnds(r, /^Second defrag$/);
  t.regex(second?.msg ?? '', /db \S+ MB -> \S+ MB; not smaller: \S+ MB of \S+ MB was in use, so there was nothing to reclaim \(live data/, describeRun(r));
});

test.serial('a database far below its quota gets no warning', async (t) => {
  const sb = sandbox();
  // every key deleted: the next run's compaction and defrag give the space back
  t.is((await sb.etcdctl('node1', ['del', '--prefix', '/live/'])).code, 0);
  const r = await cli.apply(PLAYBOOK, { inventory: sb.inventoryYaml, timeoutMs: 600_000 });
  t.is(r.code, 0, describeRun(r));
  t.deepEqual(r.events.filter((e) => e.type === 'warning'), [], describeRun(r));
  const checks = taskEnds(r, /^Live data against the quota/);
  t.is(checks.length, 3, describeRun(r));
  for (const c of checks) t.regex(c.msg ?? '', /in use of the quota 16\.8 MB/);
});
