import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Etcd3 } from 'etcd3';
import { forwardedSnapshotRate } from './forward-nagle.js';
import { repoDir } from './lib/compile.js';
import type { BenchContext } from './lib/context.js';
import { run, runOk } from './lib/proc.js';
import type { Row, Section } from './lib/report.js';
import { field, rounds, sum, type Sample, type Series } from './lib/rounds.js';
import { assertApplyOk, runbookApply, taskDurations, type RunbookCli } from './lib/runbook.js';
import type { Cluster } from './lib/sandbox.js';
import { ssh, sshOk, sshOptions } from './lib/ssh.js';
import { fmtMs, fmtNumber, fmtRatio, fmtSeconds, pairRatios, summarize, type Summary } from './lib/stats.js';

/** the playbooks under test (written by the etcd engineers; their rows are pending until they run) */
const BACKUP_PLAYBOOK = `${repoDir}playbooks/etcd-backup.yaml`;
const RESTORE_PLAYBOOK = `${repoDir}playbooks/restore-etcd.yaml`;

/** ~100 MB of keys: 25,600 values of 4 KiB (random, so incompressible), 100 puts per transaction */
const VALUE_BYTES = 4096;
const KEYS = 25_600;
const PER_TXN = 100;
const PREFIX = '/registry/bench/';

type Host = Cluster['hosts'][number];

async function fill(c: Cluster, log: (l: string) => void): Promise<{ ms: number; dbBytes: number }> {
  const client = new Etcd3({ hosts: c.etcd!.endpoints });
  const t0 = performance.now();
  try {
    await client.delete().prefix(PREFIX);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < KEYS) {
        const start = next;
        next += PER_TXN;
        const success = [];
        for (let i = start; i < Math.min(start + PER_TXN, KEYS); i++) {
          success.push({ request_put: { key: Buffer.from(`${PREFIX}${String(i).padStart(6, '0')}`), value: randomBytes(VALUE_BYTES) } });
        }
        await client.kv.txn({ success });
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const st = await client.maintenance.status();
    const ms = performance.now() - t0;
    log(`restore: put ${KEYS} keys × ${VALUE_BYTES} B in ${(ms / 1000).toFixed(1)} s; etcd db ${(Number(st.dbSize) / 1e6).toFixed(0)} MB`);
    return { ms, dbBytes: Number(st.dbSize) };
  } finally {
    client.close();
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** `runbook validate`: is the playbook runnable with this build? (its modules may not be registered yet) */
async function validate(cli: RunbookCli, playbook: string, inventory: string): Promise<string | undefined> {
  const r = await run(cli.cmd, [...cli.args, 'validate', playbook, '-i', inventory], { timeoutMs: 120_000 });
  if (r.code === 0) return undefined;
  const lines = (r.stderr + r.stdout).trim().split('\n').filter(Boolean);
  return `${lines.length} problem(s), e.g. ${lines[0]?.replace(`${repoDir}`, '') ?? `exit ${r.code}`}`;
}

/** the stand-in for the backup playbook: etcdctl on this machine against node1, plus FILE.sha256 */
async function standInSnapshot(c: Cluster, dir: string): Promise<string> {
  const file = `${dir}/stand-in-etcdctl.db`;
  await runOk('etcdctl', ['--endpoints', c.hosts[0]!.etcd!.clientUrl, 'snapshot', 'save', file], { env: { ...process.env, ETCDCTL_API: '3' }, timeoutMs: 300_000 });
  writeFileSync(`${file}.sha256`, `${await sha256File(file)}  ${basename(file)}\n`);
  return file;
}

async function keyCount(c: Cluster): Promise<number> {
  const client = new Etcd3({ hosts: c.etcd!.endpoints });
  try {
    return await client.getAll().prefix(PREFIX).count();
  } finally {
    client.close();
  }
}

async function onAll(c: Cluster, script: (h: Host) => string, timeoutMs = 300_000): Promise<void> {
  await Promise.all(c.hosts.map((h) => sshOk(c, h.ip, script(h), { timeoutMs })));
}

/** old data dirs and staged copies both flows leave on the members (untimed, between runs) */
async function cleanMembers(c: Cluster): Promise<void> {
  const d = c.etcd!.dataDir;
  await onAll(c, () => `rm -rf ${d}.pre-restore-* ${d}.snapshot-*.db ${d}.failed-restore-* ${d}.bench-old ${d}.bench-snapshot.db`);
}

/** the host whose member leads, from one `endpoint status` on each member (undefined: none) */
async function leaderHost(c: Cluster): Promise<Host | undefined> {
  const statuses = await Promise.all(
    c.hosts.map(async (h) => {
      const r = await ssh(c, h.ip, 'ETCDCTL_API=3 etcdctl endpoint status -w json --command-timeout=2s', { timeoutMs: 10_000 });
      // "leader" and the member's own id, as plain numbers (JSON.parse would round them)
      const leaderId = /"leader":(\d+)/.exec(r.stdout)?.[1];
      const memberId = /"member_id":(\d+)/.exec(r.stdout)?.[1];
      return leaderId !== undefined && leaderId === memberId;
    }),
  );
  return c.hosts[statuses.indexOf(true)];
}

/**
 * etcd's own restore of every member, by hand, step by step, each step one ssh command per
 * member, members in parallel: the same steps as playbooks/restore-etcd.yaml without any checks.
 */
async function manualRestore(c: Cluster, snapshot: string): Promise<Sample> {
  const e = c.etcd!;
  const staged = `${e.dataDir}.bench-snapshot.db`;
  const token = `bench-restore-${Date.now()}`;
  const t0 = performance.now();
  await Promise.all(c.hosts.map((h) => runOk('scp', ['-q', ...sshOptions(c), snapshot, `${c.user}@${h.ip}:${staged}`], { timeoutMs: 300_000 })));
  const t1 = performance.now();
  // followers first, the leader last, as the playbook does (and any careful operator): stopped
  // all at once, the leader waits out etcd's 7 s leader-transfer timeout
  const leader = await leaderHost(c);
  await Promise.all(c.hosts.filter((h) => h !== leader).map((h) => sshOk(c, h.ip, 'systemctl stop etcd')));
  if (leader) await sshOk(c, leader.ip, 'systemctl stop etcd');
  const t2 = performance.now();
  await onAll(
    c,
    (h) =>
      `set -e; mv ${e.dataDir} ${e.dataDir}.bench-old; ` +
      `ETCDCTL_API=3 etcdctl snapshot restore ${staged} --name ${h.etcd!.name} --initial-cluster ${e.initialCluster} ` +
      `--initial-cluster-token ${token} --initial-advertise-peer-urls ${h.etcd!.peerUrl} --data-dir ${e.dataDir} >/dev/null 2>&1`,
  );
  const t3 = performance.now();
  await onAll(c, () => 'systemctl start etcd');
  const t4 = performance.now();
  // every member healthy, polled from node1 (each poll is one ssh login, ~50 ms)
  for (;;) {
    const r = await ssh(c, c.hosts[0]!.ip, 'ETCDCTL_API=3 etcdctl endpoint health --cluster --command-timeout=2s', { timeoutMs: 30_000 });
    if (r.code === 0) break;
    if (performance.now() - t4 > 120_000) throw new Error(`etcd not healthy 120 s after the restore:\n${r.stdout}${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  const t5 = performance.now();
  const n = await keyCount(c);
  if (n !== KEYS) throw new Error(`after the restore by hand: ${n} keys under ${PREFIX}, expected ${KEYS}`);
  await cleanMembers(c);
  return { wallMs: t5 - t0, extra: { copyMs: t1 - t0, stopMs: t2 - t1, restoreMs: t3 - t2, startMs: t4 - t3, healthyMs: t5 - t4 } };
}

async function runbookRestore(ctx: BenchContext, c: Cluster, snapshot: string, perTask: Map<string, number[]>): Promise<Sample> {
  const r = await runbookApply(ctx.cli, RESTORE_PLAYBOOK, { inventory: c.inventoryYaml, workDir: ctx.workDir, extraVars: { snapshot } });
  assertApplyOk(r, 'runbook apply playbooks/restore-etcd.yaml');
  for (const t of taskDurations(r)) {
    const k = `${t.phase}: ${t.task}`;
    perTask.set(k, [...(perTask.get(k) ?? []), t.ms]);
  }
  const n = await keyCount(c);
  if (n !== KEYS) throw new Error(`after the runbook restore: ${n} keys under ${PREFIX}, expected ${KEYS}`);
  await cleanMembers(c);
  const start = r.events.find((e) => e.type === 'run:start');
  // etcd's shutdown, the one step whose time swings (1.3 s or 8.3 s) in both flows alike
  const stopMs = taskDurations(r)
    .filter((t) => t.phase === 'task' && /\bstop etcd\b/i.test(t.task))
    .reduce((a, t) => a + t.ms, 0);
  return { wallMs: r.proc.wallMs, extra: { startupMs: start?.time ? Date.parse(start.time) - r.spawnedAt : Number.NaN, stopMs } };
}

export async function benchRestore(ctx: BenchContext, c: Cluster): Promise<Section> {
  if (!c.etcd) throw new Error('restore needs an etcd sandbox');
  const backupDir = `${ctx.workDir}/backups`;
  mkdirSync(backupDir, { recursive: true });
  const missing = (f: string) => (existsSync(f) ? undefined : 'playbook not yet in the tree');
  const backupProblem = missing(BACKUP_PLAYBOOK) ?? (await validate(ctx.cli, BACKUP_PLAYBOOK, c.inventoryYaml));
  const restoreProblem = missing(RESTORE_PLAYBOOK) ?? (await validate(ctx.cli, RESTORE_PLAYBOOK, c.inventoryYaml));

  const filled = await fill(c, ctx.log);
  const rows: Row[] = [];
  const notes: string[] = [];

  // how runbook's etcd modules reach a member: gRPC through an SSH-forwarded local port
  ctx.log('restore: etcd Snapshot RPC through an SSH-forwarded port, Nagle on vs setNoDelay(true)');
  for (const noDelay of [false, true]) {
    const f = await forwardedSnapshotRate(c, noDelay, noDelay ? 120_000 : 10_000);
    rows.push({
      name: `Snapshot RPC via a local forward, ${noDelay ? 'setNoDelay(true)' : 'Nagle on (src/etcd/local-forward.ts before its fix)'}`,
      cells: {
        'wall time': fmtSeconds(summarize([f.ms])),
        detail: `${f.mbPerS.toFixed(1)} MB/s (${(f.bytes / 1e6).toFixed(0)} MB${f.complete ? '' : `, stopped after ${(f.ms / 1000).toFixed(0)} s`}); one run`,
      },
    });
  }

  // the snapshot, on this machine: with the backup playbook when it runs, else the stand-in
  let snapshot: string | undefined;
  if (!backupProblem) {
    const r = await runbookApply(ctx.cli, BACKUP_PLAYBOOK, {
      inventory: c.inventoryYaml,
      workDir: ctx.workDir,
      extraVars: { backup_dir: backupDir, cluster_name: 'bench' },
    });
    assertApplyOk(r, 'runbook apply playbooks/etcd-backup.yaml');
    snapshot = readdirSync(backupDir)
      .filter((f) => f.endsWith('.db'))
      .map((f) => `${backupDir}/${f}`)
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (!snapshot) throw new Error(`the backup playbook left no .db file in ${backupDir}`);
    rows.push({ name: 'runbook apply playbooks/etcd-backup.yaml', cells: { 'wall time': fmtSeconds(summarize([r.proc.wallMs])), detail: `${basename(snapshot)}` } });
    notes.push(`Backup playbook, per task: ${taskDurations(r).map((t) => `${t.task} ${t.ms} ms`).join('; ')}.`);
  } else {
    const t0 = performance.now();
    snapshot = await standInSnapshot(c, backupDir);
    rows.push({ name: 'runbook apply playbooks/etcd-backup.yaml', status: 'pending', cells: { 'wall time': 'pending', detail: backupProblem } });
    rows.push({ name: 'stand-in: etcdctl snapshot save (on this machine, from node1) + .sha256', cells: { 'wall time': fmtSeconds(summarize([performance.now() - t0])), detail: '' } });
  }
  const snapBytes = statSync(snapshot).size;

  const perTask = new Map<string, number[]>();
  const methods: Array<[string, () => Promise<Sample>]> = [['manual', () => manualRestore(c, snapshot)]];
  if (!restoreProblem) methods.push(['runbook', () => runbookRestore(ctx, c, snapshot, perTask)]);
  ctx.log(`restore: ${(snapBytes / 1e6).toFixed(0)} MB snapshot onto 3 members, ${ctx.runs} rounds + warm-up${restoreProblem ? ` (runbook row pending: ${restoreProblem})` : ''}`);
  await cleanMembers(c);
  const series = await rounds(ctx.runs, methods, ctx.log);
  return restoreSection({ series, rows, perTask, restoreProblem, dbBytes: filled.dbBytes, snapBytes, notes });
}

function pct(s: Summary): string {
  return fmtNumber({ ...s, median: s.median * 100, min: s.min * 100, max: s.max * 100 }, '%');
}

function restoreSection(o: {
  series: Map<string, Series>;
  rows: Row[];
  perTask: Map<string, number[]>;
  restoreProblem: string | undefined;
  dbBytes: number;
  snapBytes: number;
  notes: string[];
}): Section {
  const { rows } = o;
  const m = o.series.get('manual');
  const ph = (k: string) => sum(m, (s) => s.extra?.[k]);
  const etcdOwn = summarize(
    field(m, (s) => (s.extra?.stopMs ?? Number.NaN) + (s.extra?.restoreMs ?? Number.NaN) + (s.extra?.startMs ?? Number.NaN) + (s.extra?.healthyMs ?? Number.NaN)),
  );
  rows.push({
    name: 'by hand over ssh (the same steps, no checks)',
    cells: {
      'wall time': fmtSeconds(sum(m, (s) => s.wallMs)),
      detail: `copy to members (3 scp) ${fmtMs(ph('copyMs'))}, stop ${fmtMs(ph('stopMs'))}, etcdctl snapshot restore ${fmtMs(ph('restoreMs'))}, start ${fmtMs(ph('startMs'))}, until all healthy ${fmtMs(ph('healthyMs'))}; etcd's own (stop + restore + start + healthy) ${fmtMs(etcdOwn)}`,
    },
    ...(m?.errors.length ? { status: 'FAIL' as const, note: m.errors[0]!.split('\n')[0]! } : {}),
  });
  let overhead = summarize([]);
  let raw = summarize([]);
  let added = summarize([]);
  if (!o.restoreProblem) {
    const rb = o.series.get('runbook');
    const rbWall = field(rb, (s) => s.wallMs);
    const manWall = field(m, (s) => s.wallMs);
    raw = summarize(rbWall.map((w, i) => (w - manWall[i]!) / w));
    // the same with etcd's stop taken out of both sides (see the method)
    const rbEx = rbWall.map((w, i) => w - (field(rb, (s) => s.extra?.stopMs)[i] ?? Number.NaN));
    const manEx = manWall.map((w, i) => w - (field(m, (s) => s.extra?.stopMs)[i] ?? Number.NaN));
    overhead = summarize(rbEx.map((w, i) => (w - manEx[i]!) / w));
    added = summarize(rbEx.map((w, i) => w - manEx[i]!));
    rows.push({
      name: 'runbook apply playbooks/restore-etcd.yaml',
      cells: {
        'wall time': fmtSeconds(summarize(rbWall)),
        detail: `${fmtRatio(summarize(pairRatios(rbWall, manWall)), 2)} the time by hand; start-up ${fmtMs(sum(rb, (s) => s.extra?.startupMs))}; stop etcd ${fmtMs(sum(rb, (s) => s.extra?.stopMs))}; beyond the by-hand steps (stop excluded) ${fmtSeconds(added)}, i.e. ${pct(overhead)} of its time (${pct(raw)} with the stop)`,
      },
      ...(rb?.errors.length ? { status: 'FAIL' as const, note: rb.errors[0]!.split('\n')[0]! } : {}),
    });
  } else {
    rows.push({ name: 'runbook apply playbooks/restore-etcd.yaml', status: 'pending', cells: { 'wall time': 'pending', detail: `${o.restoreProblem}; the harness (bench/restore.ts) runs it as soon as it validates` } });
  }
  const taskTable = o.perTask.size
    ? [
        '',
        '**runbook restore, time per task** (`task:end` events, all members):',
        '',
        '| task | time |',
        '|---|---|',
        ...[...o.perTask].map(([k, v]) => `| ${k.replace(/\|/g, '\\|')} | ${fmtMs(summarize(v))} |`),
      ].join('\n')
    : '';
  return {
    id: 'restore',
    title: '4. Restore: a snapshot of ~100 MB of keys onto 3 members',
    measuredAt: new Date().toISOString(),
    method: [
      `${KEYS} keys of ${VALUE_BYTES} random bytes (${((KEYS * VALUE_BYTES) / 1e6).toFixed(0)} MB of values; etcd db ${(o.dbBytes / 1e6).toFixed(0)} MB, snapshot ${(o.snapBytes / 1e6).toFixed(0)} MB), put with etcd3 in transactions of ${PER_TXN}; the snapshot is kept on this machine (the backup playbook's default, backup_host=localhost).`,
      `"By hand" is the floor any tool needs: copy the snapshot to every member, stop etcd, move the data dir aside, \`etcdctl snapshot restore\` with a new cluster token, start, poll \`endpoint health --cluster\`; members in parallel; the key count is checked afterwards.`,
      `runbook's own overhead = (runbook − by hand) / runbook, pair by pair, with the \`stop etcd\` step taken out of both sides: it is etcd's own (both flows stop the followers first and the leader last: stopped all at once, the leader tries to hand leadership to a member that is itself stopping and gives up after 7 s, "leader transfer took too long" in its log, and the stop swung between 1.3 s and 8.3 s).`,
      `The backup playbook runs once. The two "Snapshot RPC via a local forward" rows (\`bench/forward-nagle.ts\`) pull the same snapshot through an SSH-forwarded 127.0.0.1 port, the way runbook's etcd modules reach a member, with and without Nagle on the accepted socket.`,
    ].join(' '),
    columns: ['wall time', 'detail'],
    rows,
    details: [o.notes.join('\n'), taskTable].filter(Boolean).join('\n'),
    targets: [
      {
        target: 'restore of ~100 MB dominated by etcd itself: runbook overhead < 10%',
        measured: o.restoreProblem
          ? `pending: playbooks/restore-etcd.yaml does not run yet (${o.restoreProblem})`
          : `${pct(overhead)} (${fmtSeconds(added)} beyond the same steps by hand; ${pct(raw)} counting etcd's stop time)`,
        ...(!o.restoreProblem && overhead.n ? { met: overhead.median < 0.1 } : {}),
      },
    ],
  };
}
