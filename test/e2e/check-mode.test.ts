/**
 * `--check` of every shipped runbook, on a real 3-member cluster: each runs to the end and exits
 * 0, tasks that need changes the dry run did not make are "would run" (never failures), no
 * health timeout is waited out, and every host is byte for byte as it was: configuration,
 * units, backups, the data dir's files, the running etcd process, the member list and the
 * cluster's revision.
 */
import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliSession, describeRun } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox(test, { name: 'check' });
const cli = new CliSession('check-mode-');
test.after(() => cli.remove());

/** everything a runbook could touch on a host, as text to compare before/after */
async function hostState(sb: Sandbox, host: string): Promise<string> {
  const r = await sb.hostExec(
    host,
    [
      'find /etc/etcd /etc/default /etc/systemd/system /etc/kubernetes /var/backups /root /tmp -xdev -type f -exec sha256sum {} + 2>/dev/null | sort',
      'find /var/lib/etcd -xdev -printf "%y %m %p\\n" | sort',
      'echo "etcd pid: $(pgrep -x etcd)"; systemctl is-active etcd',
    ].join('\n'),
  );
  return r.stdout;
}

async function clusterState(sb: Sandbox): Promise<string> {
  const members = await sb.etcdctl('node1', ['member', 'list']);
  const status = await sb.etcdctl('node1', ['endpoint', 'status', '--cluster', '-w', 'json']);
  // raft term and index move with leader heartbeats, the revision only with writes
  const revisions = [...status.stdout.matchAll(/"revision":(\d+)/g)].map((m) => m[1]).join(',');
  return `${members.stdout}\nrevisions ${revisions}`;
}

async function everything(sb: Sandbox): Promise<Record<string, string>> {
  const out: Record<string, string> = { cluster: await clusterState(sb) };
  for (const h of ['node1', 'node2', 'node3']) out[h] = await hostState(sb, h);
  return out;
}

let snapshot = '';

/** a real backup, for the restore to be checked with (made once, by the first test) */
async function takeBackup(): Promise<void> {
  if (snapshot) return;
  const sb = sandbox();
  await sb.etcdctl('node1', ['put', 'check/a', '1']);
  // backups land on the controller (backup_host: localhost)
  const dir = join(cli.dir, 'backups');
  const r = await cli.apply('playbooks/etcd-backup.yaml', { inventory: sb.inventoryYaml, vars: { backup_dir: dir } });
  if (r.code !== 0) throw new Error(`the backup the restore is checked with failed:\n${describeRun(r)}`);
  snapshot = join(dir, readdirSync(dir).find((f) => f.endsWith('.db'))!);
}

const runbooks: Array<{ playbook: string; vars: () => Record<string, string | number> }> = [
  { playbook: 'playbooks/etcd-backup.yaml', vars: () => ({ backup_dir: join(cli.dir, 'backups-check') }) },
  { playbook: 'playbooks/restore-etcd.yaml', vars: () => ({ snapshot }) },
  { playbook: 'playbooks/etcd-maintenance.yaml', vars: () => ({}) },
  { playbook: 'playbooks/etcd-heartbeat-tuning.yaml', vars: () => ({ heartbeat_interval: 200, election_timeout: 2000 }) },
  { playbook: 'playbooks/replace-member.yaml', vars: () => ({ member: 'node3' }) },
];

for (const rb of runbooks) {
  test.serial(`--check of ${rb.playbook} runs to the end, exits 0 and changes nothing on any host`, async (t) => {
    const sb = sandbox();
    await takeBackup();
    const before = await everything(sb);
    const r = await cli.apply(rb.playbook, { inventory: sb.inventoryYaml, vars: rb.vars(), args: ['--check'], yes: false, timeoutMs: 300_000 });
    t.is(r.code, 0, describeRun(r));
    t.is(r.end?.status, 'ok', describeRun(r));
    t.false(r.events.some((e) => e.type === 'rollback:start'), 'a dry run never rolls back');
    t.false(r.events.some((e) => e.type === 'host:end' && e.status === 'failed'), describeRun(r));
    for (const e of r.events) {
      if (e.type === 'host:end' && e.status === 'skipped' && e.msg?.startsWith('would run')) t.regex(e.msg, /would run: it depends on \d+ change\(s\) check mode did not make \(the first: .+\); checked now it says: .+/);
    }
    t.deepEqual(await everything(sb), before);
    t.false(existsSync(join(cli.dir, 'backups-check')), 'a dry run of the backup wrote nothing on the controller either');
  });
}

test.serial('--check of replace-member.yaml for a broken member does not sit through its health timeout', async (t) => {
  const sb = sandbox();
  const peer = sb.host('node3').etcd!.peerUrl;
  await sb.hostExec('node3', [
    'systemctl stop etcd || true',
    'rm -rf /var/lib/etcd/default',
    `sed -i 's|^ETCD_INITIAL_CLUSTER=.*|ETCD_INITIAL_CLUSTER=etcd3=${peer}|' /etc/etcd/etcd.conf`,
    "sed -i 's|^ETCD_INITIAL_CLUSTER_STATE=.*|ETCD_INITIAL_CLUSTER_STATE=new|' /etc/etcd/etcd.conf",
    'systemctl start etcd || true',
  ].join('\n'));
  const before = await everything(sb);
  const r = await cli.apply('playbooks/replace-member.yaml', { inventory: sb.inventoryYaml, vars: { member: 'node3' }, args: ['--check'], yes: false, timeoutMs: 300_000 });
  t.is(r.code, 0, describeRun(r));
  // the health wait looked once instead of waiting: no retries and no "waiting" progress lines
  t.false(r.events.some((e) => e.type === 'log' && /retrying in|left\)/.test(e.line)), describeRun(r));
  t.true(r.events.some((e) => e.type === 'host:end' && e.status === 'skipped' && e.msg?.startsWith('would run')), describeRun(r));
  t.deepEqual(await everything(sb), before);
});
