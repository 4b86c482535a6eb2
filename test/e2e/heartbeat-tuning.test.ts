/**
 * playbooks/etcd-heartbeat-tuning.yaml against real 3-member etcd 3.4 clusters through the real
 * CLI: plain with the values in the environment file (`hbtune`), and with client certificates and
 * the values as --flags in the unit's ExecStart (`hbtunetls`). While the runbook restarts the
 * members, a client writes new keys without pause from this machine through the members' client
 * URLs; no write may fail for longer than one election timeout, and every acknowledged key must
 * be there afterwards. What each member runs with is read from its process's /proc on the host.
 */
import test from 'ava';
import type { RunEvent } from '../../src/events/types.js';
import { keysUnder, startWriter } from '../helpers/etcd-writer.js';
import { CliSession, describeRun, type CliResult } from '../helpers/runbook-cli.js';
import { allMembersHealthy, eventuallyDefined, leaderHost } from '../helpers/etcd-data.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const PLAYBOOK = 'playbooks/etcd-heartbeat-tuning.yaml';
const HOSTS = ['node1', 'node2', 'node3'];
const UNIT = '/etc/systemd/system/etcd.service';

const plainSandbox = useSandbox(test, { name: 'hbtune' });
const tlsSandbox = useSandbox(test, { name: 'hbtunetls', tls: true });

const cli = new CliSession('hbtune-');
test.after(() => cli.remove());

/** `runbook apply` as an operator runs it, events as JSON lines */
function apply(sb: Sandbox, extra: string[]): Promise<CliResult> {
  return cli.apply(PLAYBOOK, { inventory: sb.inventoryYaml, args: extra, timeoutMs: 900_000 });
}

interface Running {
  pid: string;
  heartbeat?: string;
  election?: string;
}

/** what the running etcd uses: a --flag on its command line wins over its ETCD_* variable */
async function running(sb: Sandbox, host: string): Promise<Running> {
  const r = await sb.hostExec(host, 'p=$(pidof etcd); echo "pid=$p"; tr "\\0" "\\n" < /proc/$p/cmdline; tr "\\0" "\\n" < /proc/$p/environ');
  const pick = (flag: string, env: string) =>
    new RegExp(`^--${flag}=(\\d+)$`, 'm').exec(r.stdout)?.[1] ?? new RegExp(`^${env}=(\\d+)$`, 'm').exec(r.stdout)?.[1];
  return {
    pid: /^pid=(\d+)/m.exec(r.stdout)?.[1] ?? '',
    heartbeat: pick('heartbeat-interval', 'ETCD_HEARTBEAT_INTERVAL'),
    election: pick('election-timeout', 'ETCD_ELECTION_TIMEOUT'),
  };
}

async function configSums(sb: Sandbox): Promise<string[]> {
  return Promise.all(HOSTS.map(async (h) => (await sb.hostExec(h, `sha256sum /etc/etcd/etcd.conf ${UNIT}`)).stdout));
}

/** the unit gets the two values as flags, the environment file loses them; one member at a time */
async function moveValuesToFlags(sb: Sandbox): Promise<void> {
  const unit = [
    '[Unit]',
    'Description=etcd member of the runbook sandbox',
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    'EnvironmentFile=/etc/etcd/etcd.conf',
    'ExecStart=/usr/bin/etcd \\',
    '  --heartbeat-interval=100 \\',
    '  --election-timeout=1000',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  for (const h of HOSTS) {
    await sb.hostExec(h, `cat > ${UNIT}\nsed -i -e '/^ETCD_HEARTBEAT_INTERVAL=/d' -e '/^ETCD_ELECTION_TIMEOUT=/d' /etc/etcd/etcd.conf\nsystemctl daemon-reload\nsystemctl restart etcd`, { input: unit });
    await allMembersHealthy(sb);
  }
}

type Flavour = { label: string; sb: () => Sandbox; style: 'env' | 'flags' };
const flavours: Flavour[] = [
  { label: 'plain, env file', sb: plainSandbox, style: 'env' },
  { label: 'TLS, unit flags', sb: tlsSandbox, style: 'flags' },
];

for (const { label, sb, style } of flavours) {
  const styleVars = style === 'flags' ? ['-e', 'etcd_config_style=flags', '-e', `etcd_unit_file=${UNIT}`] : [];

  test.serial(`${label}: an election timeout below 5x the heartbeat is refused in preflight, nothing changed`, async (t) => {
    const s = sb();
    if (style === 'flags') await moveValuesToFlags(s);
    const sums = await configSums(s);
    const pids = await Promise.all(HOSTS.map(async (h) => (await running(s, h)).pid));
    const r = await apply(s, [...styleVars, '-e', 'heartbeat_interval=500', '-e', 'election_timeout=1000']);
    t.is(r.code, 3, describeRun(r));
    const refusal = r.events.find((e) => e.type === 'preflight:check' && !e.ok);
    t.regex(refusal && refusal.type === 'preflight:check' ? refusal.message ?? '' : '', /at least 5x the heartbeat \(here at least 2500 ms\)/);
    t.false(r.events.some((e) => e.type === 'task:start' && e.phase === 'task'));
    t.deepEqual(await configSums(s), sums);
    t.deepEqual(await Promise.all(HOSTS.map(async (h) => (await running(s, h)).pid)), pids);
  });

  test.serial(`${label}: every member restarted with the new values, leader last, writes never failing longer than an election timeout`, async (t) => {
    const s = sb();
    const before = await Promise.all(HOSTS.map((h) => running(s, h)));
    t.true(before.every((b) => b.heartbeat === '100' && b.election === '1000'), JSON.stringify(before));
    const leader = await leaderHost(s);

    const prefix = `/hb/${style}/`;
    const writer = startWriter({ endpoints: s.endpoints, tls: s.tlsFiles, prefix });
    await new Promise((r) => setTimeout(r, 1500));
    const r = await apply(s, [...styleVars, '-e', 'heartbeat_interval=200', '-e', 'election_timeout=2000']);
    await new Promise((r) => setTimeout(r, 1500));
    const report = await writer.stop();
    t.is(r.code, 0, describeRun(r));
    t.log(`${report.acknowledged.length} writes acknowledged, ${report.failedAttempts} failed attempts, longest outage ${report.longestOutageMs} ms`);
    for (const o of report.outages) t.log(`  outage ${o.ms} ms at +${o.from} ms: ${o.errors.join(' | ')}`);

    // every member runs with the new values, in a new process
    const after = await Promise.all(HOSTS.map((h) => running(s, h)));
    for (const [i, h] of HOSTS.entries()) {
      t.like(after[i], { heartbeat: '200', election: '2000' }, h);
      t.not(after[i]!.pid, before[i]!.pid, `${h} was restarted`);
    }
    // where the values live
    const where = style === 'env' ? 'grep -E "^ETCD_(HEARTBEAT_INTERVAL|ELECTION_TIMEOUT)=" /etc/etcd/etcd.conf' : `grep -E -- "--(heartbeat-interval|election-timeout)=" ${UNIT}`;
    for (const h of HOSTS) {
      const files = await s.hostExec(h, `${where}; ls ${style === 'env' ? '/etc/etcd' : '/etc/systemd/system'}`);
      t.regex(files.stdout, style === 'env' ? /ETCD_HEARTBEAT_INTERVAL=200\nETCD_ELECTION_TIMEOUT=2000/ : /--heartbeat-interval=200 \\\n {2}--election-timeout=2000/, h);
      t.regex(files.stdout, /\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~/, `${h} keeps a backup`);
    }

    // one at a time, the member that led at the start last
    const restarts = r.events
      .filter((e): e is Extract<RunEvent, { type: 'host:end' }> => e.type === 'host:end' && e.phase === 'task' && /^Restart etcd on /.test(e.task) && e.status === 'changed')
      .map((e) => e.host);
    t.is(restarts.length, 3, JSON.stringify(restarts));
    t.is(restarts.at(-1), leader, `restarted ${restarts.join(', ')}; ${leader} led`);

    // the writer: never a failed write for longer than an election timeout, and every acknowledged key is there
    t.true(report.acknowledged.length > 50, `only ${report.acknowledged.length} writes went through`);
    t.true(report.longestOutageMs < 2000, `writes failed for ${report.longestOutageMs} ms`);
    const stored = new Set(await keysUnder(s.endpoints[0]!, s.tlsFiles, prefix));
    t.deepEqual(report.acknowledged.filter((k) => !stored.has(k)), []);
    await allMembersHealthy(s);
  });

  test.serial(`${label}: a restart failing after two members were done puts every member back on the old values`, async (t) => {
    const s = sb();
    const leader = await leaderHost(s);
    const sums = await configSums(s);
    // the third restart (the leader's) fails: a unit check refusing the new value, which the
    // rollback's restored file satisfies again
    const file = style === 'env' ? '/etc/etcd/etcd.conf' : UNIT;
    const pattern = style === 'env' ? '^ETCD_HEARTBEAT_INTERVAL=300$' : '--heartbeat-interval=300';
    await s.hostExec(
      leader,
      [
        `printf '#!/bin/sh\\n! grep -q -e %s %s\\n' '"${pattern}"' '${file}' > /etc/etcd/refuse-300.sh`,
        'chmod +x /etc/etcd/refuse-300.sh',
        'mkdir -p /etc/systemd/system/etcd.service.d',
        "printf '[Service]\\nExecStartPre=/etc/etcd/refuse-300.sh\\n' > /etc/systemd/system/etcd.service.d/refuse-300.conf",
        'systemctl daemon-reload',
      ].join('\n'),
    );
    t.true(sums.every(Boolean));
    try {
      const r = await apply(s, [...styleVars, '-e', 'heartbeat_interval=300', '-e', 'election_timeout=3000']);
      t.is(r.code, 1, describeRun(r));
      t.like(r.events.find((e) => e.type === 'run:end'), { status: 'rolled_back' });
      const end = r.events.find((e) => e.type === 'rollback:end');
      t.true(end?.type === 'rollback:end' && end.ok, describeRun(r));
      // it failed on the leader, after both followers had been restarted with the new values
      const restarts = r.events.filter((e): e is Extract<RunEvent, { type: 'host:end' }> => e.type === 'host:end' && e.phase === 'task' && /^Restart etcd on /.test(e.task) && e.status !== 'skipped');
      t.deepEqual(restarts.map((e) => `${e.host}:${e.status}`), [...HOSTS.filter((h) => h !== leader).map((h) => `${h}:changed`), `${leader}:failed`]);

      // every member back on the old values: the files as before, the processes running them
      t.deepEqual(await configSums(s), sums);
      for (const h of HOSTS) t.like(await running(s, h), { heartbeat: '200', election: '2000' }, h);
      await allMembersHealthy(s);
    } finally {
      await s.hostExec(leader, 'rm -rf /etc/systemd/system/etcd.service.d /etc/etcd/refuse-300.sh; systemctl daemon-reload');
    }
  });
}
