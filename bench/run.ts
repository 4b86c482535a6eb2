/**
 * `npm run bench`: runbook against Ansible and scp on the same sandbox hosts, in one run.
 * Prints a table per benchmark and writes bench/RESULTS.md (+ bench/results.json).
 *
 *   npm run bench                                  # everything (~15-25 min on 2 busy cores)
 *   npm run bench -- --only overhead,profile --runs 3
 *   npm run bench -- --only scale --scale 3,10,30
 *
 * Needs root (the sandbox), ansible-playbook, scp and /usr/bin/time (installed with apt-get when
 * missing). Brings up its own sandboxes (bench3, bench-scale3/10/30) and always tears them down.
 * No pass/fail thresholds: targets are reported as met or missed; the exit status is non-zero
 * only when a benchmark could not run or a copy was corrupted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, compileScript } from './lib/compile.js';
import type { BenchContext } from './lib/context.js';
import { loadAverage, machineInfo, opensshVersion, ssh2Info } from './lib/env-info.js';
import { ansibleVersion } from './lib/ansible.js';
import { cleanupTimeDir, haveGnuTime, run, stopRunning } from './lib/proc.js';
import { mergeResults, printSection, readResults, writeResults, type Results, type Section } from './lib/report.js';
import { runbookCli } from './lib/runbook.js';
import { sandboxDown, sandboxDownAll, sandboxDownAllSync, sandboxUp } from './lib/sandbox.js';
import { benchOverhead } from './overhead.js';
import { benchDistribute } from './distribute.js';
import { benchScale } from './scale.js';
import { benchRestore } from './restore.js';
import { benchProfile } from './profile.js';
import { benchDiagnose } from './diagnose.js';

const ALL = ['overhead', 'distribute', 'scale', 'restore', 'profile', 'diagnose'] as const;
type Bench = (typeof ALL)[number];

interface Args {
  only: Set<Bench>;
  runs: number;
  sizeMb: number;
  scale: number[];
  tsx: boolean;
  write: boolean;
}

function usage(): never {
  process.stdout.write(`usage: npm run bench -- [options]
  --only LIST     comma-separated: ${ALL.join(',')} (default: all)
  --runs N        measured runs per row after one warm-up (default 5)
  --size-mb N     size of the distributed file (default 256)
  --scale LIST    host counts for the scale benchmark (default 3,10,30)
  --tsx           run runbook from src/ through tsx instead of dist/
  --no-write      print only; leave RESULTS.md and results.json alone
`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { only: new Set(ALL), runs: 5, sizeMb: 256, scale: [3, 10, 30], tsx: false, write: true };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    const next = (): string => argv[++i] ?? usage();
    if (v === '--only') {
      const list = next().split(',').map((s) => s.trim()).filter(Boolean);
      for (const b of list) if (!(ALL as readonly string[]).includes(b)) usage();
      a.only = new Set(list as Bench[]);
    } else if (v === '--runs') a.runs = Math.max(1, Number(next()) | 0);
    else if (v === '--size-mb') a.sizeMb = Math.max(1, Number(next()) | 0);
    else if (v === '--scale') a.scale = next().split(',').map((s) => Number(s)).filter((n) => n >= 1 && n <= 200);
    else if (v === '--tsx') a.tsx = true;
    else if (v === '--no-write') a.write = false;
    else usage();
  }
  return a;
}

const RESULTS_MD = `${benchDir}RESULTS.md`;
const RESULTS_JSON = `${benchDir}results.json`;

async function ensureTools(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the sandbox needs root: run as root (sudo npm run bench)');
  if (!haveGnuTime()) {
    process.stdout.write('installing Debian package "time" for /usr/bin/time -v ...\n');
    const r = await run('bash', [`${benchDir}../test/cluster/install-deps.sh`, 'time'], { timeoutMs: 10 * 60_000 });
    if (r.code !== 0 || !haveGnuTime()) throw new Error(`could not install /usr/bin/time: ${r.stderr.trim()}`);
  }
  for (const tool of ['ansible-playbook', 'scp', 'ssh', 'sha256sum', 'etcdctl']) {
    const r = await run('bash', ['-c', `command -v ${tool}`]);
    if (r.code !== 0) throw new Error(`${tool} is missing (test/cluster/install-deps.sh ansible-core installs Ansible)`);
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  await ensureTools();
  const workDir = mkdtempSync(join(tmpdir(), 'runbook-bench-'));
  const cli = runbookCli(args.tsx ? 'tsx' : undefined);
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const ctx: BenchContext = { runs: args.runs, cli, workDir, floorScript: compileScript('floor-ssh2'), log };
  const ssh2 = ssh2Info();
  const info: Results['run'] = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: machineInfo(),
    loadBefore: loadAverage(),
    loadAfter: '',
    node: process.version,
    runbook: cli.mode === 'dist' ? '`node dist/cli.js` (built)' : '`node --import tsx src/cli.ts` (NO build: includes TypeScript compile time)',
    ansible: await ansibleVersion(),
    openssh: await opensshVersion(),
    ssh2: ssh2.text,
    runs: args.runs,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  };
  log(`runbook bench: ${info.machine}; load ${info.loadBefore}; ${info.runbook}; ${info.ansible}; ${info.openssh}; ${info.ssh2}`);
  if (cli.mode === 'tsx') log('NOTE: dist/cli.js is missing; runbook runs through tsx and its times include TypeScript compilation');

  const sections: Section[] = [];
  let broken = false;
  const save = (): void => {
    if (!args.write) return;
    info.finishedAt = new Date().toISOString();
    info.loadAfter = loadAverage();
    writeResults(RESULTS_MD, RESULTS_JSON, mergeResults(readResults(RESULTS_JSON), { run: info, sections }));
  };
  const attempt = async (name: Bench, fn: () => Promise<Section>): Promise<void> => {
    if (!args.only.has(name)) return;
    try {
      const s = await fn();
      sections.push(s);
      printSection(s);
      if (s.rows.some((r) => r.status === 'FAIL')) broken = true;
      save();
    } catch (err) {
      broken = true;
      process.stderr.write(`\n!! benchmark ${name} could not run: ${(err as Error).stack ?? String(err)}\n`);
    }
  };

  try {
    const needs3 = ['overhead', 'distribute', 'restore', 'profile', 'diagnose'].some((b) => args.only.has(b as Bench));
    if (needs3) {
      log('\nbringing up sandbox bench3 (3 etcd hosts)...');
      const c3 = await sandboxUp('bench3', { hosts: 3 });
      await attempt('overhead', () => benchOverhead(ctx, c3));
      await attempt('profile', () => benchProfile(ctx, c3));
      await attempt('diagnose', () => benchDiagnose(ctx, c3));
      await attempt('distribute', () => benchDistribute(ctx, c3, args.sizeMb));
      // last on bench3: it replaces the cluster's data
      await attempt('restore', () => benchRestore(ctx, c3));
      await sandboxDown('bench3');
    }
    await attempt('scale', () => benchScale(ctx, args.scale));
  } finally {
    await sandboxDownAll();
    rmSync(workDir, { recursive: true, force: true });
    cleanupTimeDir();
  }

  info.finishedAt = new Date().toISOString();
  info.loadAfter = loadAverage();
  const targets = sections.flatMap((s) => s.targets);
  if (targets.length) {
    log('\n== Targets');
    for (const t of targets) log(`  ${t.met === undefined ? 'not measured' : t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${t.measured}`);
  }
  if (args.write) log(`\nwrote ${RESULTS_MD} and ${RESULTS_JSON}`);
  return broken ? 1 : 0;
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: tearing the bench sandboxes down...\n`);
    stopRunning();
    void sandboxDownAll().finally(() => process.exit(130));
  });
}
// last resort for anything that skipped the finally above
process.on('exit', () => sandboxDownAllSync());

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
