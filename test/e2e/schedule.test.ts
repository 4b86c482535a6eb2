/**
 * Scheduled backups against a real 3-member etcd sandbox over real SSH: the scheduler takes
 * verified snapshots on its cron ticks, skips a tick that comes while the previous run still
 * goes, prunes by retention on the host, and keeps metrics; two runs started together against
 * one inventory never both run, with the file lock and with the lock held in etcd itself.
 *
 * The playbook is test/fixtures/schedule/etcd-snapshot.yaml, written to the backup-playbook
 * convention of docs/scheduling.md (name, checksum, final debug report); switch to
 * playbooks/etcd-backup.yaml once it exists with the same convention.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { apply, type ApplyFlags } from '../../src/cli/apply-command.js';
import { NoTtyPrompter } from '../../src/engine/confirm.js';
import type { RunSummary } from '../../src/engine/run.js';
import { EventBus } from '../../src/events/bus.js';
import { scanBackups } from '../../src/schedule/backup-name.js';
import { runSchedules } from '../../src/schedule/daemon.js';
import { LockHeldError } from '../../src/schedule/lock.js';
import { parseMetricsState } from '../../src/schedule/metrics.js';
import { listRuns } from '../../src/schedule/run-history.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox(test, { name: 'sched' });
const playbook = fileURLToPath(new URL('../fixtures/schedule/etcd-snapshot.yaml', import.meta.url));
const BACKUP_DIR = '/var/backups/etcd-sched';

async function backupsOnHost(host: string, dir = BACKUP_DIR) {
  const r = await sandbox().hostExec(host, `mkdir -p ${dir}; cd ${dir} && find . -maxdepth 1 -type f -printf '%f\\t%s\\n'`);
  const entries = r.stdout.split('\n').filter(Boolean).map((l) => ({ name: l.split('\t')[0]!, size: Number(l.split('\t')[1]) }));
  return scanBackups(entries).backups;
}

async function eventually(what: string, check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test.serial('a schedule every few seconds takes verified backups, skips a tick that overlaps, prunes and keeps metrics', async (t) => {
  const sb = sandbox();
  await sb.etcdctl('node1', ['put', 'sched/probe', 'x']);
  await sb.hostExec('node1', `rm -rf ${BACKUP_DIR}`);
  const dir = mkdtempSync(join(tmpdir(), 'sched-e2e-'));
  const file = join(dir, 'runbook.schedules.yaml');
  writeFileSync(
    file,
    `jobs:
  - name: sched-backup
    playbook: ${playbook}
    inventory: [${sb.inventoryYaml}]
    cron: "*/3 * * * * *"
    limit: node1
    extra_vars: {backup_dir: ${BACKUP_DIR}, cluster_name: sched, hold: 4}
    yes: true
    known_hosts: ${sb.knownHosts}
    metrics_file: metrics/runbook.prom
    retention: {dir: ${BACKUP_DIR}, host: node1, keep_last: 2}
`,
  );
  const lines: string[] = [];
  const emitter = new EventEmitter();
  const done = runSchedules({ file, log: (l) => lines.push(l), signals: emitter as unknown as NodeJS.Process });
  await eventually('three successful runs', () => lines.filter((l) => / end job=sched-backup .*status=ok/.test(l)).length >= 3);
  emitter.emit('SIGTERM');
  t.is(await done, 0);
  t.log(lines.join('\n'));

  const ends = lines.filter((l) => / end /.test(l));
  t.true(ends.every((l) => /status=ok exit=0/.test(l)), ends.join('\n'));
  const skips = lines.filter((l) => / skip job=sched-backup .*still running/.test(l));
  t.true(skips.length >= 1, 'a tick during a 4 s run of a 3 s schedule is skipped');
  // never two runs at once: every start comes after the previous end
  const order = lines.filter((l) => / (start|end) /.test(l)).map((l) => (l.includes(' start ') ? 'start' : 'end'));
  t.deepEqual(order, order.map((_, i) => (i % 2 === 0 ? 'start' : 'end')));

  // the retention of the job (keep_last 2) left the two newest, each verified on the host
  const backups = await backupsOnHost('node1');
  t.is(backups.length, 2);
  for (const b of backups) {
    t.truthy(b.checksum);
    const check = await sb.hostExec('node1', `cd ${BACKUP_DIR} && sha256sum -c ${b.checksum} && ETCDCTL_API=3 etcdctl snapshot status ${b.name} -w json`);
    t.regex(check.stdout, /"revision":\d+/);
    t.true(b.revision > 0);
  }
  t.true(lines.some((l) => / prune .*deleted=1/.test(l)));

  const metrics = parseMetricsState(readFileSync(join(dir, 'metrics/runbook.prom'), 'utf8')).get('sched-backup')!;
  t.true(metrics.runs >= 3);
  t.is(metrics.failures, 0);
  t.true(metrics.skipped >= 1);
  t.is(metrics.lastStatus, 1);
  t.is(metrics.backupRevision, backups[0]!.revision);
  t.is(metrics.backupSize, backups[0]!.size);

  const runs = await listRuns(join(dir, '.runbook/runs'), { job: 'sched-backup' });
  t.true(runs.length >= 3);
  t.true(runs.every((r) => r.status === 'ok'));
});

function flags(lock: 'file' | 'etcd', runsDir: string, hold: number, lockWait = 0): ApplyFlags {
  const sb = sandbox();
  return {
    inventory: [sb.inventoryYaml],
    limit: 'node1',
    extraVars: [`backup_dir=${BACKUP_DIR}-lock`, 'cluster_name=sched', `hold=${hold}`],
    check: false,
    diff: false,
    forks: 5,
    yes: true,
    step: false,
    verbose: 0,
    runsDir,
    knownHosts: sb.knownHosts,
    acceptNewHostKeys: false,
    connectTimeout: 10,
    askBecomePass: false,
    lock,
    lockWait,
    locksDir: join(runsDir, '..', 'locks'),
  };
}

const quiet = () => ({ bus: new EventBus(), prompter: new NoTtyPrompter(), signal: new AbortController().signal });

for (const lock of ['file', 'etcd'] as const) {
  test.serial(`two applies started together against one inventory: one runs, the other is refused (${lock} lock)`, async (t) => {
    const runsDir = join(mkdtempSync(join(tmpdir(), 'sched-lock-')), 'runs');
    await sandbox().hostExec('node1', `rm -rf ${BACKUP_DIR}-lock`);
    const results = await Promise.allSettled([apply(playbook, flags(lock, runsDir, 3), quiet()), apply(playbook, flags(lock, runsDir, 3), quiet())]);
    const ran = results.filter((r): r is PromiseFulfilledResult<RunSummary> => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    t.is(ran.length, 1, JSON.stringify(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.value.status))));
    t.is(ran[0]!.value.status, 'ok');
    t.true(refused[0]!.reason instanceof LockHeldError);
    t.regex(String(refused[0]!.reason.message), /another run holds the lock .* pid \d+/);
    t.is((await backupsOnHost('node1', `${BACKUP_DIR}-lock`)).length, 1, 'exactly one backup was taken');
  });

  test.serial(`with --lock-wait the second apply waits and runs after the first (${lock} lock)`, async (t) => {
    const runsDir = join(mkdtempSync(join(tmpdir(), 'sched-lock-')), 'runs');
    const [a, b] = await Promise.all([apply(playbook, flags(lock, runsDir, 2, 60), quiet()), apply(playbook, flags(lock, runsDir, 2, 60), quiet())]);
    t.is(a.status, 'ok');
    t.is(b.status, 'ok');
    const [first, second] = [a, b].sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt));
    t.true(Date.parse(second!.startedAt) >= Date.parse(first!.startedAt) + first!.durationMs - 50, 'the runs did not overlap');
  });
}
