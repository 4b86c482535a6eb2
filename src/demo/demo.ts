/**
 * `npm run demo`: the restore runbook doing its job on a real (sandboxed) cluster.
 * Bring up 3 hosts with sshd and etcd, write a few thousand keys, back them up with the
 * backup runbook, destroy every member's data, restore with the restore runbook, and show the
 * keys are back and how long each phase took.
 *
 * `npm run demo -- --kubeadm`: the same on kubeadm hosts with etcd 3.5 as a static pod, its data
 * dir a mount of its own and an API server pod writing; the restore stops that pod first
 * (stop_writers) and starts it again at the end. The same two playbook files.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { SandboxControl, type DemoCluster } from './sandbox-control.js';

const KEYS = Number(process.env.DEMO_KEYS ?? 3000);
const KUBEADM = process.argv.includes('--kubeadm');
// the same name prefix as the test sandboxes, so a demo never takes another checkout's sandbox
const PREFIX = process.env.RUNBOOK_SANDBOX_PREFIX ?? '';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(repo, 'dist/cli.js');
const timings: [string, number][] = [];

async function phase<T>(title: string, fn: () => Promise<T> | T): Promise<T> {
  process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);
  const started = Date.now();
  const result = await fn();
  timings.push([title, Date.now() - started]);
  return result;
}

function runbook(args: string[]): void {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', cwd: repo });
  if (r.status !== 0) throw new Error(`runbook ${args.join(' ')} exited ${r.status}`);
}

/** a client of the sandbox's etcd, with its client certificate when it wants one */
function clientOf(c: DemoCluster, dialTimeout?: number): Etcd3 {
  const t = c.tlsFiles;
  const credentials = t ? { rootCertificate: readFileSync(t.ca), certChain: readFileSync(t.cert), privateKey: readFileSync(t.key) } : undefined;
  return new Etcd3({ hosts: c.etcd.endpoints, ...(credentials ? { credentials } : {}), ...(dialTimeout ? { dialTimeout } : {}) });
}

async function writeKeys(c: DemoCluster): Promise<void> {
  const client = clientOf(c);
  try {
    for (let i = 0; i < KEYS; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, KEYS - i) }, (_, j) => client.put(`/demo/key-${String(i + j).padStart(5, '0')}`).value(`value ${i + j}`)));
    }
    console.log(`wrote ${KEYS} keys under /demo/`);
  } finally {
    client.close();
  }
}

async function countKeys(c: DemoCluster): Promise<number> {
  const client = clientOf(c, 3000);
  try {
    return await client.getAll().prefix('/demo/').count();
  } finally {
    client.close();
  }
}

/** kubeadm: the manifest out of the way (by hand, as an operator would), the data gone, the manifest back */
const WIPE_STATIC_POD = [
  'mv /etc/kubernetes/manifests/etcd.yaml /root/etcd.yaml.demo',
  'for i in $(seq 1 300); do pgrep -x etcd >/dev/null || break; sleep 0.2; done',
  'find /var/lib/etcd -mindepth 1 -delete',
  'mv /root/etcd.yaml.demo /etc/kubernetes/manifests/etcd.yaml',
].join('\n');

function newestSnapshot(dir: string): string {
  const names = readdirSync(dir).filter((n) => /^etcd-.*\.db$/.test(n)).sort();
  if (!names.length) throw new Error(`no snapshot in ${dir}`);
  return join(dir, names[names.length - 1]!);
}

/** per-task durations of a run, from its events.jsonl, slowest first */
function slowestTasks(runsDir: string, top = 6): string[] {
  const runs = readdirSync(runsDir).sort();
  const events = readFileSync(join(runsDir, runs[runs.length - 1]!, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return events
    .filter((e) => e.type === 'task:end' && e.phase === 'task')
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, top)
    .map((e) => `${(e.durationMs / 1000).toFixed(2).padStart(7)}s  ${e.task}`);
}

async function main(): Promise<void> {
  const sandbox = new SandboxControl(repo);
  const runsDir = join(repo, '.runbook/demo-runs');
  const backups = join(repo, '.runbook/demo-backups');
  const inv = (c: DemoCluster) => ['-i', c.inventoryYaml, '--runs-dir', runsDir, '--yes', '-o', 'plain'];

  const c = await phase(
    KUBEADM ? 'Bring up the sandbox: 3 kubeadm hosts, etcd 3.5 and an API server as static pods' : 'Bring up the sandbox: 3 hosts, sshd + etcd each',
    () => (KUBEADM ? sandbox.up(`${PREFIX}demo-kubeadm`, ['--kubeadm', '--etcd', '3.5']) : sandbox.up(`${PREFIX}demo`)),
  );
  await phase(`Write ${KEYS} keys`, () => writeKeys(c));
  await phase('Back up with playbooks/etcd-backup.yaml', () =>
    runbook(['apply', 'playbooks/etcd-backup.yaml', ...inv(c), '-e', `backup_dir=${backups}`, '-e', 'keep_last=3']),
  );
  const snapshot = newestSnapshot(backups);
  await phase('Disaster: stop etcd and wipe the data on every member', () => {
    for (const h of c.hosts) sandbox.onHost(c, h.inventoryName, KUBEADM ? WIPE_STATIC_POD : 'systemctl stop etcd; rm -rf /var/lib/etcd/default');
    console.log(KUBEADM ? "every member's /var/lib/etcd was emptied; kubelet's stand-in runs etcd on the empty dir again" : 'every member is stopped and its data dir is gone');
  });
  const restoreVars = KUBEADM ? ['-e', 'stop_writers=true'] : [];
  await phase('Restore with playbooks/restore-etcd.yaml', () => runbook(['apply', 'playbooks/restore-etcd.yaml', ...inv(c), '-e', `snapshot=${snapshot}`, ...restoreVars]));
  const slow = slowestTasks(runsDir);
  const count = await phase('Check the keys', () => countKeys(c));
  console.log(`${count} of ${KEYS} keys are back`);

  console.log('\n\x1b[1mHow long each phase took\x1b[0m');
  for (const [title, ms] of timings) console.log(`${(ms / 1000).toFixed(2).padStart(7)}s  ${title}`);
  console.log('\nSlowest restore steps');
  for (const line of slow) console.log(line);
  console.log(`\nThe sandbox is still up: try  node dist/cli.js plan playbooks/restore-etcd.yaml -i ${c.inventoryYaml} -e snapshot=${snapshot}${KUBEADM ? ' -e stop_writers=true' : ''}`);
  console.log(`Tear it down with:  npm run cluster:down -- --name ${c.name}`);
  if (count !== KEYS) {
    console.error(`MISSING KEYS: expected ${KEYS}, found ${count}`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
