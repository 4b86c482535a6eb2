import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { benchDir } from './lib/compile.js';
import type { BenchContext } from './lib/context.js';
import { withHostCpu } from './lib/host-cpu.js';
import { markFailedRuns, processCells } from './lib/process-cells.js';
import { cpuMs, run, type ProcResult } from './lib/proc.js';
import type { Row, Section } from './lib/report.js';
import { field, rounds, sum, type Sample, type Series } from './lib/rounds.js';
import { assertApplyOk, runbookApply, type ApplyRun } from './lib/runbook.js';
import type { Cluster } from './lib/sandbox.js';
import { remoteSha256, removeOnHosts, sshOptions } from './lib/ssh.js';
import { fmtMs, fmtNumber, fmtRatio, fmtSeconds, pairRatios, summarize } from './lib/stats.js';

const PLAYBOOK = `${benchDir}playbooks/distribute.yaml`;
const DEST = '/var/backups/runbook-bench-snapshot.bin';

type Method = 'runbook-1' | 'scp-1' | 'floor-1' | 'runbook-3' | 'scp-seq-3' | 'scp-par-3' | 'floor-3';

const LABEL: Record<Method, string> = {
  'runbook-1': 'runbook distribute → 1 host',
  'scp-1': 'scp → 1 host',
  'floor-1': 'ssh2 stream floor → 1 host',
  'runbook-3': 'runbook distribute → 3 hosts',
  'scp-seq-3': 'scp → 3 hosts, one after another',
  'scp-par-3': 'scp → 3 hosts, 3 in parallel',
  'floor-3': 'ssh2 stream floor → 3 hosts',
};
const TARGETS: Record<Method, number> = { 'runbook-1': 1, 'scp-1': 1, 'floor-1': 1, 'runbook-3': 3, 'scp-seq-3': 3, 'scp-par-3': 3, 'floor-3': 3 };
/** what each row is compared with in "vs scp" */
const BASELINE: Record<Method, Method> = {
  'runbook-1': 'scp-1',
  'scp-1': 'scp-1',
  'floor-1': 'scp-1',
  'runbook-3': 'scp-seq-3',
  'scp-seq-3': 'scp-seq-3',
  'scp-par-3': 'scp-seq-3',
  'floor-3': 'scp-seq-3',
};

/** A file of random bytes (incompressible) and its sha256. */
async function makeRandomFile(path: string, mb: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let i = 0; i < mb; i++) {
    const chunk = randomBytes(1024 * 1024);
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

const at = (e: { time?: string } | undefined): number => (e?.time ? Date.parse(e.time) : Number.NaN);

/** transfer and on-host verification times of a distribute run, from its events (slowest host) */
function distributePhases(r: ApplyRun): Record<string, number> {
  const ev = r.events;
  const out: Record<string, number> = {};
  let transfer = 0;
  let finalize = 0;
  let rate = Number.POSITIVE_INFINITY;
  for (const host of new Set(ev.filter((e) => e.type === 'host:end').map((e) => String(e.host)))) {
    const mine = ev.filter((e) => e.host === host);
    const putIdx = mine.findIndex((e) => e.type === 'cmd' && String(e.command).startsWith('put '));
    const fin = mine.slice(putIdx + 1).find((e) => e.type === 'cmd');
    const end = mine.find((e) => e.type === 'host:end');
    if (putIdx >= 0 && fin && end) {
      transfer = Math.max(transfer, at(fin) - at(mine[putIdx]));
      finalize = Math.max(finalize, at(end) - at(fin));
    }
    const m = /\(([\d.]+) MB\/s\)/.exec(String(end?.msg ?? ''));
    if (m) rate = Math.min(rate, Number(m[1]));
  }
  const start = at(ev.find((e) => e.type === 'run:start'));
  const firstTask = at(ev.find((e) => e.type === 'task:start'));
  out.startupMs = start - r.spawnedAt;
  out.toTaskMs = firstTask - start;
  out.transferMs = transfer;
  out.verifyMs = finalize;
  out.moduleMBps = Number.isFinite(rate) ? rate : Number.NaN;
  return out;
}

export async function benchDistribute(ctx: BenchContext, cluster: Cluster, sizeMb: number): Promise<Section> {
  const src = `${ctx.workDir}/snapshot-${sizeMb}M.bin`;
  ctx.log(`distribute: writing ${sizeMb} MiB of random bytes to ${src} ...`);
  const sha = await makeRandomFile(src, sizeMb);
  const bytes = sizeMb * 1024 * 1024;
  const hosts = cluster.hosts.slice(0, 3);
  const first = hosts.slice(0, 1);

  /** after every copy: the sha256 on each target must be the source's, or the row fails loudly */
  const verify = async (targets: Cluster['hosts'], what: string): Promise<void> => {
    const sums = await remoteSha256(cluster, targets, DEST);
    const bad = [...sums].filter(([, s]) => s !== sha);
    if (bad.length) {
      const msg = `CHECKSUM MISMATCH after ${what}: ${bad.map(([h, s]) => `${h} has ${s}`).join(', ')}; expected ${sha}`;
      process.stderr.write(`\n!!!!! ${msg}\n\n`);
      throw new Error(msg);
    }
  };
  const clean = (): Promise<void> => removeOnHosts(cluster, hosts, [DEST]);

  const scp = (h: Cluster['hosts'][number]): Promise<ProcResult> =>
    run('scp', ['-q', ...sshOptions(cluster), src, `${cluster.user}@${h.ip}:${DEST}`], { timed: true, timeoutMs: 10 * 60_000 });

  const runbook = async (limit: string | undefined, targets: Cluster['hosts']): Promise<Sample> => {
    const { value: r, hostCpuMs } = await withHostCpu([cluster], () =>
      runbookApply(ctx.cli, PLAYBOOK, {
        inventory: cluster.inventoryYaml,
        workDir: ctx.workDir,
        extraVars: { bench_src: src, bench_dest: DEST },
        ...(limit ? { limit } : {}),
      }),
    );
    assertApplyOk(r, 'runbook distribute');
    await verify(targets, 'runbook distribute');
    return { wallMs: r.proc.wallMs, cpuMs: cpuMs(r.proc), hostCpuMs, ...(r.proc.maxRssKb !== undefined ? { maxRssKb: r.proc.maxRssKb } : {}), extra: distributePhases(r) };
  };

  const scpSeq = async (targets: Cluster['hosts']): Promise<Sample> => {
    let t0 = 0;
    let wallMs = 0;
    let cpu = 0;
    let rss = 0;
    const { hostCpuMs } = await withHostCpu([cluster], async () => {
      t0 = performance.now();
      for (const h of targets) {
        const r = await scp(h);
        if (r.code !== 0) throw new Error(`scp to ${h.inventoryName} exited ${r.code}: ${r.stderr.trim()}`);
        cpu += cpuMs(r);
        rss = Math.max(rss, r.maxRssKb ?? 0);
      }
      wallMs = performance.now() - t0;
    });
    await verify(targets, 'scp');
    return { wallMs, cpuMs: cpu, hostCpuMs, maxRssKb: rss };
  };

  const scpPar = async (targets: Cluster['hosts']): Promise<Sample> => {
    let wallMs = 0;
    const { value: rs, hostCpuMs } = await withHostCpu([cluster], async () => {
      const t0 = performance.now();
      const all = await Promise.all(targets.map((h) => scp(h)));
      wallMs = performance.now() - t0;
      return all;
    });
    rs.forEach((r, i) => {
      if (r.code !== 0) throw new Error(`scp to ${targets[i]!.inventoryName} exited ${r.code}: ${r.stderr.trim()}`);
    });
    await verify(targets, 'parallel scp');
    return { wallMs, cpuMs: rs.reduce((a, r) => a + cpuMs(r), 0), hostCpuMs, maxRssKb: Math.max(...rs.map((r) => r.maxRssKb ?? 0)) };
  };

  const floor = async (n: number): Promise<Sample> => {
    const { value: r, hostCpuMs } = await withHostCpu([cluster], () =>
      run(process.execPath, [ctx.floorScript, '--cluster', `${cluster.dir}/cluster.json`, '--hosts', String(n), '--stream-mb', String(sizeMb), '--dest', DEST], {
        timed: true,
        timeoutMs: 10 * 60_000,
      }),
    );
    if (r.code !== 0) throw new Error(`floor-ssh2 --stream-mb exited ${r.code}: ${r.stderr.trim()}`);
    const inner = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; mbPerS: number };
    return { wallMs: r.wallMs, cpuMs: cpuMs(r), hostCpuMs, ...(r.maxRssKb !== undefined ? { maxRssKb: r.maxRssKb } : {}), extra: { streamMs: inner.ms } };
  };

  ctx.log(`distribute: ${sizeMb} MiB (sha256 ${sha.slice(0, 16)}…) to 1 and 3 hosts, ${ctx.runs} rounds + warm-up`);
  await clean();
  const series = await rounds<Method>(
    ctx.runs,
    [
      ['runbook-1', () => runbook(first[0]!.inventoryName, first)],
      ['scp-1', () => scpSeq(first)],
      ['floor-1', () => floor(1)],
      ['runbook-3', () => runbook(undefined, hosts)],
      ['scp-seq-3', () => scpSeq(hosts)],
      ['scp-par-3', () => scpPar(hosts)],
      ['floor-3', () => floor(3)],
    ],
    ctx.log,
    { between: clean },
  );
  return distributeSection(series, sizeMb, bytes);
}

function distributeSection(series: Map<Method, Series>, sizeMb: number, bytes: number): Section {
  const wall = (m: Method) => field(series.get(m), (s) => s.wallMs);
  const rows: Row[] = (Object.keys(LABEL) as Method[]).map((m) => {
    const s = series.get(m);
    const w = wall(m);
    const fileRate = summarize(w.map((x) => bytes / 1e6 / (x / 1000)));
    const base = BASELINE[m];
    const row: Row = {
      name: LABEL[m],
      cells: {
        'wall time': fmtSeconds(summarize(w)),
        'MB/s (file)': fmtNumber(fileRate, 'MB/s'),
        'MB/s (all targets)': fmtNumber(summarize(w.map((x) => (TARGETS[m] * bytes) / 1e6 / (x / 1000))), 'MB/s'),
        'speed vs scp': m === base ? '1x' : fmtRatio(summarize(pairRatios(wall(base), w)), 2),
        ...processCells(s),
      },
    };
    return markFailedRuns(row, s);
  });

  const ph = (m: Method, k: string) => sum(series.get(m), (s) => s.extra?.[k]);
  const one = summarize(pairRatios(wall('scp-1'), wall('runbook-1')));
  const three = summarize(pairRatios(wall('runbook-3'), wall('scp-seq-3')));
  const details = [
    "**Inside runbook's distribute** (from the `-o json` events; slowest host):",
    '',
    '| phase | → 1 host | → 3 hosts |',
    '|---|---|---|',
    `| start-up (spawn → \`run:start\`) | ${fmtMs(ph('runbook-1', 'startupMs'))} | ${fmtMs(ph('runbook-3', 'startupMs'))} |`,
    `| connect, preflight, confirm (→ first task) | ${fmtMs(ph('runbook-1', 'toTaskMs'))} | ${fmtMs(ph('runbook-3', 'toTaskMs'))} |`,
    `| stream to a temp file (\`put\` → next command) | ${fmtMs(ph('runbook-1', 'transferMs'))} | ${fmtMs(ph('runbook-3', 'transferMs'))} |`,
    `| verify on the host (\`sha256sum\` of the temp file) + rename | ${fmtMs(ph('runbook-1', 'verifyMs'))} | ${fmtMs(ph('runbook-3', 'verifyMs'))} |`,
    `| rate the module reports (transfer only) | ${fmtNumber(ph('runbook-1', 'moduleMBps'), 'MB/s')} | ${fmtNumber(ph('runbook-3', 'moduleMBps'), 'MB/s')} per host |`,
    '',
    `ssh2 stream floor, transfer only (in its process): → 1 host ${fmtMs(ph('floor-1', 'streamMs'))}, → 3 hosts ${fmtMs(ph('floor-3', 'streamMs'))}.`,
  ].join('\n');

  return {
    id: 'distribute',
    title: `2. Snapshot distribution: a ${sizeMb} MiB random file`,
    measuredAt: new Date().toISOString(),
    method: [
      `runbook: \`bench/playbooks/distribute.yaml\` (the \`distribute\` module: one read of the source streamed to every target, written to a temp file, \`sha256sum\`-checked on the host, renamed into place), whole process.`,
      `scp: OpenSSH's scp (SFTP protocol, default cipher), with the same key and known_hosts, to each host in turn and to all 3 at once; scp verifies nothing itself.`,
      `The ssh2 stream floor (\`floor-ssh2.ts --stream-mb\`): one \`cat > DEST\` channel per host fed from memory, no disk read, no hashing, no verification: what ssh2 alone can push.`,
      `After every copy (untimed) \`sha256sum\` over ssh on every target must match the source, else the row FAILs; the files are removed between runs.`,
      `"MB/s (file)": the file's size over the wall time until every target has it.`,
      `"speed vs scp": scp's wall time over the row's, pair by pair; the 1-host rows against \`scp → 1 host\`, the 3-host rows against scp one host after another.`,
    ].join(' '),
    columns: ['wall time', 'MB/s (file)', 'MB/s (all targets)', 'speed vs scp', 'controller CPU', 'host CPU', 'peak RSS'],
    rows,
    details,
    targets: [
      {
        target: 'single-target distribution ≥ 1.5x the throughput of scp',
        measured: `${fmtRatio(one, 2)} scp's throughput`,
        ...(one.n ? { met: one.median >= 1.5 } : {}),
      },
      {
        target: '3 targets in ≤ 0.5x the time of three sequential scp copies',
        measured: `${fmtRatio(three, 2)} the time`,
        ...(three.n ? { met: three.median <= 0.5 } : {}),
      },
    ],
  };
}
