import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { compileScript, repoDir } from './lib/compile.js';
import type { BenchContext } from './lib/context.js';
import { summarizeProfile } from './lib/cpu-profile.js';
import { startupImports } from './lib/import-graph.js';
import { cpuMs, run } from './lib/proc.js';
import { markdownTable, type Row, type Section } from './lib/report.js';
import { field, rounds, sum, type Sample, type Series } from './lib/rounds.js';
import { applyPhases, assertApplyOk, runbookApply, type RunbookCli } from './lib/runbook.js';
import type { Cluster } from './lib/sandbox.js';
import { fmtDeltaMs, fmtMs, fmtNumber, fmtRatio, fmtSeconds, pairRatios, summarize } from './lib/stats.js';
import { TASKS, TRUE_20 } from './overhead.js';

const NO_NATIVE = `${repoDir}bench/lib/no-native-crypto.cjs`;
const COUNT_MODULES = `${repoDir}bench/lib/count-modules.mjs`;

async function processSample(args: string[], env?: NodeJS.ProcessEnv): Promise<Sample> {
  const r = await run(process.execPath, args, { timed: true, cwd: repoDir, timeoutMs: 120_000, ...(env ? { env } : {}) });
  if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(-500)}`);
  return { wallMs: r.wallMs, cpuMs: cpuMs(r), ...(r.maxRssKb !== undefined ? { maxRssKb: r.maxRssKb } : {}) };
}

async function moduleCount(args: string[]): Promise<Record<string, number>> {
  const r = await run(process.execPath, ['--import', COUNT_MODULES, ...args], { cwd: repoDir, timeoutMs: 120_000 });
  const line = r.stderr.split('\n').find((l) => l.startsWith('[modules] '));
  return line ? (JSON.parse(line.slice(10)) as Record<string, number>) : {};
}

export async function benchProfile(ctx: BenchContext, cluster: Cluster): Promise<Section> {
  // the packages the CLI loads before doing anything, from the source (dist/ is one file now)
  const graph = startupImports(`${repoDir}src/cli.ts`);
  const PACKAGES = [...graph.packages.keys()];
  // the same build without V8's code cache (what every start cost before the launcher had one)
  const noCache = ctx.cli.mode === 'dist';
  const noCacheEnv = { ...process.env, RUNBOOK_COMPILE_CACHE: '0' };

  // 1. start-up, fresh processes
  const startup: Array<[string, () => Promise<Sample>]> = [
    ['node -e 0', () => processSample(['-e', '0'])],
    ...PACKAGES.map((p): [string, () => Promise<Sample>] => [`import '${p}'`, () => processSample(['--input-type=module', '-e', `await import('${p}')`])]),
    ['runbook --version', () => processSample([...ctx.cli.args, '--version'])],
  ];
  if (noCache) startup.push(['runbook --version, no code cache', () => processSample([...ctx.cli.args, '--version'], noCacheEnv)]);
  ctx.log(`profile: start-up of fresh processes, ${ctx.runs} rounds + warm-up`);
  const st = await rounds(ctx.runs, startup, ctx.log);
  const distCount = await moduleCount([...ctx.cli.args, '--version']);
  const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  const nodeCpu = field(st.get('node -e 0'), (s) => s.cpuMs);
  const rows: Row[] = startup.map(([k]) => {
    const s = st.get(k);
    return {
      name: k,
      cells: {
        'wall time': fmtSeconds(sum(s, (x) => x.wallMs)),
        CPU: fmtSeconds(sum(s, (x) => x.cpuMs)),
        'CPU beyond node -e 0': k === 'node -e 0' ? '–' : fmtMs(summarize(field(s, (x) => x.cpuMs).map((c, i) => c - nodeCpu[i]!))),
        'module files': k.startsWith('runbook') ? String(total(distCount)) : '',
      },
    };
  });

  // 2. the whole 20-task apply: as built, without the code cache, and with a big ssh config
  // (which runbook once read again for every task on every host)
  const sshConfig = `${ctx.workDir}/ssh_config-300-hosts`;
  writeFileSync(sshConfig, bigSshConfig(300));
  const applyMethods: Array<[string, () => Promise<Sample>]> = [
    ['dist', () => applySample(ctx, ctx.cli, cluster, ['--ssh-config', '/dev/null'])],
    ['ssh-config', () => applySample(ctx, ctx.cli, cluster, ['--ssh-config', sshConfig])],
  ];
  if (noCache) applyMethods.push(['nocache', () => applySample(ctx, ctx.cli, cluster, ['--ssh-config', '/dev/null'], noCacheEnv)]);
  ctx.log('profile: apply, with and without the code cache');
  const ap = await rounds(ctx.runs, applyMethods, ctx.log);

  // 3. ssh2 with and without its native crypto addon
  const floor = compileScript('floor-ssh2');
  const cj = `${cluster.dir}/cluster.json`;
  const floorSample = async (native: boolean, stream: boolean): Promise<Sample> => {
    const args = [...(native ? [] : ['--require', NO_NATIVE]), floor, '--cluster', cj];
    if (stream) args.push('--hosts', '1', '--stream-mb', '128', '--dest', '/dev/null');
    else args.push('--commands', String(TASKS));
    const r = await run(process.execPath, args, { timed: true, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`floor-ssh2 exited ${r.code}: ${r.stderr.trim()}`);
    const inner = JSON.parse(r.stdout.trim().split('\n').pop()!) as { connectMs: number; mbPerS?: number };
    return { wallMs: r.wallMs, cpuMs: cpuMs(r), extra: { connectMs: inner.connectMs, mbPerS: inner.mbPerS ?? Number.NaN } };
  };
  ctx.log('profile: ssh2 with and without its native crypto addon');
  const nat = await rounds(
    ctx.runs,
    [
      ['native', () => floorSample(true, false)],
      ['js', () => floorSample(false, false)],
      ['native-stream', () => floorSample(true, true)],
      ['js-stream', () => floorSample(false, true)],
    ],
    ctx.log,
  );

  // 4. one CPU profile of the apply
  const profDir = `${ctx.workDir}/cpuprof`;
  rmSync(profDir, { recursive: true, force: true });
  const pr = await runbookApply(ctx.cli, TRUE_20, { inventory: cluster.inventoryYaml, workDir: ctx.workDir, forks: 10, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
  assertApplyOk(pr, 'runbook apply --cpu-prof');
  const profFile = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  const prof = profFile ? summarizeProfile(`${profDir}/${profFile}`, repoDir) : undefined;

  return profileSection({ rows, st, ap, nat, prof, distCount, haveNoCache: noCache, graph });
}

/** an OpenSSH client config for a fleet: `hosts` Host blocks of 6 options each (none matches the sandbox) */
function bigSshConfig(hosts: number): string {
  const out: string[] = [];
  for (let i = 0; i < hosts; i++) {
    out.push(`Host web${i}.example.com web${i}`, `    HostName 192.0.2.${i % 250}`, '    User deploy', '    Port 22', '    IdentityFile ~/.ssh/id_web', '    ServerAliveInterval 30', '');
  }
  return out.join('\n');
}

async function applySample(ctx: BenchContext, cli: RunbookCli, cluster: Cluster, extraArgs: string[], env?: NodeJS.ProcessEnv): Promise<Sample> {
  const r = await runbookApply(cli, TRUE_20, { inventory: cluster.inventoryYaml, workDir: ctx.workDir, forks: 10, extraArgs, ...(env ? { env } : {}) });
  assertApplyOk(r, 'runbook apply true-20.yaml');
  return { wallMs: r.proc.wallMs, cpuMs: cpuMs(r.proc), ...(r.proc.maxRssKb !== undefined ? { maxRssKb: r.proc.maxRssKb } : {}), extra: { ...applyPhases(r) } };
}

function profileSection(o: {
  rows: Row[];
  st: Map<string, Series>;
  ap: Map<string, Series>;
  nat: Map<string, Series>;
  prof: ReturnType<typeof summarizeProfile> | undefined;
  distCount: Record<string, number>;
  haveNoCache: boolean;
  graph: ReturnType<typeof startupImports>;
}): Section {
  const parts: string[] = [];
  parts.push(
    `**Packages \`src/cli.ts\` imports statically** (${o.graph.ownModules} of runbook's own modules on the static graph, all in the one-file build \`dist/runbook.cjs\` but etcd3 and ssh2's native addon; first import chain found):`,
    '',
    ...[...o.graph.packages].map(([p, chain]) => `- \`${p}\` ← ${chain.slice().reverse().map((f) => `\`${f}\``).join(' ← ')}`),
    '',
  );
  const counts = Object.entries(o.distCount)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  parts.push(`Module files \`runbook --version\` loads: ${counts}.`);

  const d = o.ap.get('dist');
  const b = o.ap.get('nocache');
  const sc = o.ap.get('ssh-config');
  const dWall = field(d, (s) => s.wallMs);
  const dCpu = field(d, (s) => s.cpuMs);
  const applyRows: Row[] = [
    {
      name: 'as built (one-file build, code cache)',
      cells: { 'wall time': fmtSeconds(summarize(dWall)), CPU: fmtSeconds(summarize(dCpu)), 'start-up': fmtMs(sum(d, (s) => s.extra?.startupMs)), 'vs as built (wall)': '1x', 'CPU vs as built': '–' },
    },
  ];
  // another way of running the same apply, next to the build as it is, round by round
  const againstBuilt = (name: string, x: Series | undefined): Row => ({
    name,
    cells: {
      'wall time': fmtSeconds(sum(x, (s) => s.wallMs)),
      CPU: fmtSeconds(sum(x, (s) => s.cpuMs)),
      'start-up': fmtMs(sum(x, (s) => s.extra?.startupMs)),
      'vs as built (wall)': fmtRatio(summarize(pairRatios(field(x, (s) => s.wallMs), dWall)), 2),
      'CPU vs as built': fmtDeltaMs(summarize(field(x, (s) => s.cpuMs).map((c, i) => c - dCpu[i]!))),
    },
  });
  applyRows.push(againstBuilt('with a 300-host ssh config (--ssh-config, 2,100 lines)', sc));
  if (o.haveNoCache) applyRows.push(againstBuilt('without the code cache (RUNBOOK_COMPILE_CACHE=0)', b));
  parts.push('', `**The ${TASKS}-task apply on 3 hosts**: as built (\`dist/cli.js\` runs the one-file build \`dist/runbook.cjs\` with the V8 code cache \`npm run build\` writes beside it); with a big ssh config; the same build compiled from source on every start (\`RUNBOOK_COMPILE_CACHE=0\`). All with \`--ssh-config\` given, so no one's ~/.ssh/config takes part:`, '', markdownTable(['wall time', 'CPU', 'start-up', 'vs as built (wall)', 'CPU vs as built'], applyRows));

  const n = (k: string) => o.nat.get(k);
  const natRows: Row[] = [
    { name: 'native addon (as installed)', cells: { 'floor wall': fmtSeconds(sum(n('native'), (s) => s.wallMs)), 'floor CPU': fmtSeconds(sum(n('native'), (s) => s.cpuMs)), 'connect 3 hosts': fmtMs(sum(n('native'), (s) => s.extra?.connectMs)), 'stream 128 MiB → 1 host': fmtNumber(sum(n('native-stream'), (s) => s.extra?.mbPerS), 'MB/s') } },
    { name: 'without (as if install scripts were skipped)', cells: { 'floor wall': fmtSeconds(sum(n('js'), (s) => s.wallMs)), 'floor CPU': fmtSeconds(sum(n('js'), (s) => s.cpuMs)), 'connect 3 hosts': fmtMs(sum(n('js'), (s) => s.extra?.connectMs)), 'stream 128 MiB → 1 host': fmtNumber(sum(n('js-stream'), (s) => s.extra?.mbPerS), 'MB/s') } },
  ];
  parts.push('', `**ssh2's optional native crypto addon** (\`sshcrypto.node\`, and \`cpu-features\` for cipher order), measured with the ssh2 floor; "without" preloads bench/lib/no-native-crypto.cjs, which makes both fail to load:`, '', markdownTable(['floor wall', 'floor CPU', 'connect 3 hosts', 'stream 128 MiB → 1 host'], natRows));

  if (o.prof) {
    const p = o.prof;
    const top = (xs: Array<[string, number]>, k: number) => xs.slice(0, k).map(([name, ms]) => `| ${name.replace(/\|/g, '\\|')} | ${ms.toFixed(0)} ms |`);
    parts.push(
      '',
      `**CPU profile of one \`runbook apply\` of the ${TASKS}-task playbook** (\`node --cpu-prof\`, ${p.totalMs.toFixed(0)} ms profiled; samples by leaf frame, module loading by what is on the stack):`,
      '',
      '| category | time |',
      '|---|---|',
      ...top(p.categories, 14),
      '',
      'Module loading, by what was being loaded:',
      '',
      '| loading | time |',
      '|---|---|',
      ...top(p.loading, 8),
      '',
      "runbook's own functions, self time:",
      '',
      '| function | time |',
      '|---|---|',
      ...top(p.ownFunctions, 10),
    );
  }
  return {
    id: 'profile',
    title: "Profile: where runbook's own time goes",
    measuredAt: new Date().toISOString(),
    method: [
      'Start-up: fresh processes, each importing one package (from the repository root) or running the CLI; CPU is user + sys from `/usr/bin/time -v`, which is far less disturbed by the other load on the machine than wall time.',
      '"CPU beyond node -e 0" subtracts the bare Node start-up of the same round.',
    ].join(' '),
    columns: ['wall time', 'CPU', 'CPU beyond node -e 0', 'module files'],
    rows: o.rows,
    details: parts.join('\n'),
    targets: [],
  };
}
