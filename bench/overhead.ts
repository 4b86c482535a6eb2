import { closeControlMasters, ansiblePlaybook } from './lib/ansible.js';
import { benchDir } from './lib/compile.js';
import type { BenchContext } from './lib/context.js';
import { withHostCpu } from './lib/host-cpu.js';
import { cpuMs, run } from './lib/proc.js';
import type { Row, Section } from './lib/report.js';
import { field, rounds, sum, type Sample, type Series } from './lib/rounds.js';
import { applyPhases, assertApplyOk, runbookApply } from './lib/runbook.js';
import type { Cluster } from './lib/sandbox.js';
import { fmtMs, fmtNumber, fmtRatio, fmtSeconds, pairRatios, summarize } from './lib/stats.js';
import { floorOptionsFromCluster, runFloor } from './floor-ssh2.js';

export const TASKS = 20;
export const TRUE_20 = `${benchDir}playbooks/true-20.yaml`;

type Method = 'runbook' | 'floor-process' | 'floor-inprocess' | 'floor-barrier' | 'ansible-fresh' | 'ansible-warm';

const LABEL: Record<Method, string> = {
  runbook: 'runbook apply (node dist/cli.js)',
  'floor-process': 'ssh2 floor, whole process',
  'floor-inprocess': 'ssh2 floor, in-process',
  'floor-barrier': 'ssh2 floor, in-process, task by task (all hosts finish a command before the next)',
  'ansible-fresh': 'ansible-playbook, fresh connections',
  'ansible-warm': 'ansible-playbook, warm ControlPersist masters',
};

/** runbook apply of the 20-task playbook: one sample with the phases from its events */
export async function runbookSample(ctx: BenchContext, cluster: Cluster, forks: number): Promise<Sample> {
  const { value: r, hostCpuMs } = await withHostCpu([cluster], () =>
    runbookApply(ctx.cli, TRUE_20, { inventory: cluster.inventoryYaml, forks, workDir: ctx.workDir }),
  );
  assertApplyOk(r, 'runbook apply true-20.yaml');
  const p = applyPhases(r);
  return {
    wallMs: r.proc.wallMs,
    cpuMs: cpuMs(r.proc),
    hostCpuMs,
    ...(r.proc.maxRssKb !== undefined ? { maxRssKb: r.proc.maxRssKb } : {}),
    extra: { ...p },
  };
}

export async function floorProcessSample(ctx: BenchContext, cluster: Cluster): Promise<Sample> {
  const { value: r, hostCpuMs } = await withHostCpu([cluster], () =>
    run(process.execPath, [ctx.floorScript, '--cluster', `${cluster.dir}/cluster.json`, '--commands', String(TASKS)], { timed: true, timeoutMs: 5 * 60_000 }),
  );
  if (r.code !== 0) throw new Error(`floor-ssh2 exited ${r.code}: ${r.stderr.trim()}`);
  const inner = JSON.parse(r.stdout.trim().split('\n').pop()!) as { connectMs: number; commandsMs: number; wallMs: number };
  return {
    wallMs: r.wallMs,
    cpuMs: cpuMs(r),
    hostCpuMs,
    ...(r.maxRssKb !== undefined ? { maxRssKb: r.maxRssKb } : {}),
    extra: { connectMs: inner.connectMs, commandsMs: inner.commandsMs, startupMs: r.wallMs - inner.wallMs },
  };
}

export async function floorInProcessSample(cluster: Cluster, barrier = false): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const { value: r, hostCpuMs } = await withHostCpu([cluster], () => runFloor({ ...floorOptionsFromCluster(`${cluster.dir}/cluster.json`, TASKS), barrier }));
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: r.wallMs, cpuMs: (cpu.user + cpu.system) / 1000, hostCpuMs, extra: { connectMs: r.connectMs, commandsMs: r.commandsMs } };
}

async function ansibleSample(ctx: BenchContext, cluster: Cluster, controlDir: string, persist: string | undefined, closeAfter: boolean): Promise<Sample> {
  const { value: r, hostCpuMs } = await withHostCpu([cluster], () =>
    ansiblePlaybook(TRUE_20, { inventory: cluster.inventoryIni, forks: Math.max(cluster.hosts.length, 5), controlDir, ...(persist ? { controlPersist: persist } : {}) }),
  );
  if (closeAfter) await closeControlMasters(controlDir);
  if (r.code !== 0) throw new Error(`ansible-playbook exited ${r.code}: ${r.stdout.trim().split('\n').slice(-8).join('\n')}`);
  const ok = /ok=20\s+changed=20\s+unreachable=0\s+failed=0/g;
  const hits = r.stdout.match(ok)?.length ?? 0;
  if (hits !== cluster.hosts.length) throw new Error(`ansible-playbook recap is not 20 changed tasks on every host:\n${r.stdout.split('PLAY RECAP')[1] ?? r.stdout.slice(-2000)}`);
  return { wallMs: r.wallMs, cpuMs: cpuMs(r), hostCpuMs, ...(r.maxRssKb !== undefined ? { maxRssKb: r.maxRssKb } : {}) };
}

export async function benchOverhead(ctx: BenchContext, cluster: Cluster): Promise<Section> {
  const forks = Math.max(cluster.hosts.length, 10);
  let freshN = 0;
  const warmDir = `${ctx.workDir}/ansible-warm`;
  ctx.log(`overhead: ${TASKS} x command /bin/true on ${cluster.hosts.length} hosts, ${ctx.runs} rounds + warm-up`);
  const series = await rounds<Method>(
    ctx.runs,
    [
      ['runbook', () => runbookSample(ctx, cluster, forks)],
      ['floor-process', () => floorProcessSample(ctx, cluster)],
      ['floor-inprocess', () => floorInProcessSample(cluster)],
      ['floor-barrier', () => floorInProcessSample(cluster, true)],
      ['ansible-fresh', () => ansibleSample(ctx, cluster, `${ctx.workDir}/ansible-fresh-${++freshN}`, undefined, true)],
      // masters live for the whole benchmark: a long persist so a slow round cannot expire them
      ['ansible-warm', () => ansibleSample(ctx, cluster, warmDir, '900s', false)],
    ],
    ctx.log,
  );
  await closeControlMasters(warmDir);
  return overheadSection(series, cluster.hosts.length);
}

function overheadSection(series: Map<Method, Series>, hosts: number): Section {
  const rb = series.get('runbook');
  const rbWall = field(rb, (s) => s.wallMs);
  const rows: Row[] = (Object.keys(LABEL) as Method[]).map((m) => {
    const s = series.get(m);
    const wall = field(s, (x) => x.wallMs);
    const errors = s?.errors ?? [];
    const row: Row = {
      name: LABEL[m],
      cells: {
        'wall time': fmtSeconds(summarize(wall)),
        'vs runbook': m === 'runbook' ? '1x' : fmtRatio(summarize(pairRatios(wall, rbWall)), 2),
        'controller CPU': fmtSeconds(sum(s, (x) => x.cpuMs)),
        'host CPU': fmtSeconds(sum(s, (x) => x.hostCpuMs)),
        'peak RSS': m === 'floor-inprocess' || m === 'floor-barrier' ? '(bench process)' : fmtNumber(sum(s, (x) => (x.maxRssKb ?? Number.NaN) / 1024), 'MB'),
      },
    };
    if (errors.length) {
      row.status = 'FAIL';
      row.note = `${errors.length} of the runs failed: ${errors[0]!.split('\n').slice(0, 3).join(' / ')}`;
    }
    return row;
  });

  const floorWall = field(series.get('floor-process'), (s) => s.wallMs);
  const floorIn = field(series.get('floor-inprocess'), (s) => s.wallMs);
  const vsFloor = summarize(pairRatios(rbWall, floorWall));
  const ansibleFresh = summarize(pairRatios(field(series.get('ansible-fresh'), (s) => s.wallMs), rbWall));
  const ansibleWarm = summarize(pairRatios(field(series.get('ansible-warm'), (s) => s.wallMs), rbWall));

  const ph = (k: string) => sum(rb, (s) => s.extra?.[k]);
  const fl = (m: Method, k: string) => sum(series.get(m), (s) => s.extra?.[k]);
  const perTask = summarize(field(rb, (s) => (s.extra?.tasksMs ?? Number.NaN) / TASKS));
  const floorPerCmd = summarize(field(series.get('floor-inprocess'), (s) => (s.extra?.commandsMs ?? Number.NaN) / TASKS));
  const floorBarrierPerCmd = summarize(field(series.get('floor-barrier'), (s) => (s.extra?.commandsMs ?? Number.NaN) / TASKS));
  const details = [
    '**Where runbook\'s wall time goes** (from the `-o json` event timestamps, ms resolution):',
    '',
    '| phase | runbook | ssh2 floor (whole process) |',
    '|---|---|---|',
    `| start-up: spawn → \`run:start\` (Node, imports, playbook + inventory) | ${fmtMs(ph('startupMs'))} | ${fmtMs(fl('floor-process', 'startupMs'))} (Node + ssh2 import) |`,
    `| connect ${hosts} hosts | ${fmtMs(ph('connectMs'))} | ${fmtMs(fl('floor-process', 'connectMs'))} |`,
    `| connected → first task (preflight, confirm) | ${fmtMs(ph('preTasksMs'))} | – |`,
    `| ${TASKS} tasks | ${fmtMs(ph('tasksMs'))} | ${fmtMs(fl('floor-process', 'commandsMs'))} (sequential per host, no barrier) |`,
    `| per task (all hosts) | ${fmtMs(perTask)} | ${fmtMs(floorPerCmd)} per command, in-process |`,
    `| – per host: \`host:start\` → its command sent (templating, argument checks, module context) | ${fmtMs(ph('preCmdMs'))} | – |`,
    `| – per host: command sent → \`host:end\` (one exec round trip + result) | ${fmtMs(ph('cmdMs'))} | ${fmtMs(floorBarrierPerCmd)} (task by task, in-process, all hosts) |`,
    `| – per task: \`task:start\` → \`task:end\` beyond its slowest host | ${fmtMs(ph('taskOverheadMs'))} | – |`,
    `| – between tasks: \`task:end\` → next \`task:start\` | ${fmtMs(ph('betweenTasksMs'))} | – |`,
    `| last task → \`run:end\` (close, recap, run record) | ${fmtMs(ph('finishMs'))} | – |`,
    `| \`run:end\` → process exit | ${fmtMs(ph('exitMs'))} | – |`,
    '',
    `In-process floor: connect ${fmtMs(fl('floor-inprocess', 'connectMs'))}, ${TASKS} commands ${fmtMs(fl('floor-inprocess', 'commandsMs'))};`,
    `task by task (a barrier after every command, as runbook and Ansible run tasks): ${TASKS} commands ${fmtMs(fl('floor-barrier', 'commandsMs'))}.`,
  ].join('\n');

  return {
    id: 'overhead',
    title: `1. Per-task overhead: ${TASKS} × \`command: /bin/true\` on ${hosts} hosts`,
    measuredAt: new Date().toISOString(),
    method: [
      `The same playbook (\`bench/playbooks/true-20.yaml\`) run by \`runbook apply --yes -o json\` and by \`ansible-playbook\``,
      `(\`bench/ansible.cfg\`: pipelining, \`gather_facts: false\`, no interpreter discovery, forks ≥ hosts, host keys checked against the sandbox's known_hosts).`,
      `"fresh connections": a new ControlPath dir per run and the masters closed afterwards, so each run connects like runbook does;`,
      `"warm masters": the ControlPersist connections of the previous run are reused (Ansible's best case for back-to-back runs).`,
      `The floor (\`bench/floor-ssh2.ts\`): plain ssh2 over a setNoDelay socket, one connection per host, the ${TASKS} commands in sequence per host, hosts in parallel;`,
      `as a whole process (compiled to plain JS) and in-process (no Node start-up). Wall time is the whole process; CPU and peak RSS from \`/usr/bin/time -v\`.`,
    ].join(' '),
    columns: ['wall time', 'vs runbook', 'controller CPU', 'host CPU', 'peak RSS'],
    rows,
    details,
    targets: [
      {
        target: 'runbook within 1.5x of the ssh2 floor (whole process)',
        measured: `${fmtRatio(vsFloor, 2)} of the floor (in-process floor: ${fmtRatio(summarize(pairRatios(rbWall, floorIn)), 1)})`,
        ...(vsFloor.n ? { met: vsFloor.median <= 1.5 } : {}),
      },
      {
        target: 'runbook ≥ 14x faster than ansible-playbook with pipelining',
        measured: `${fmtRatio(ansibleFresh)} faster than fresh-connection Ansible, ${fmtRatio(ansibleWarm)} than warm-master Ansible`,
        ...(ansibleFresh.n ? { met: ansibleFresh.median >= 14 } : {}),
      },
    ],
  };
}
