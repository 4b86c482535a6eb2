import type { BenchContext } from './lib/context.js';
import { markFailedRuns, processCells } from './lib/process-cells.js';
import type { Row, Section } from './lib/report.js';
import { field, rounds, sum, type Sample, type Series } from './lib/rounds.js';
import { sandboxDown, sandboxUp, type Cluster } from './lib/sandbox.js';
import { fmtMs, fmtNumber, fmtRatio, fmtSeconds, pairRatios, summarize } from './lib/stats.js';
import { floorProcessSample, runbookSample, TASKS } from './overhead.js';

/**
 * The 20-task playbook on 3, 10 and 30 ssh-only hosts. All sandboxes are up at once so that
 * every round runs every size back to back and growth ratios can be taken pair by pair.
 */
export async function benchScale(ctx: BenchContext, sizes: number[]): Promise<Section> {
  const clusters = new Map<number, Cluster>();
  try {
    for (const n of sizes) {
      ctx.log(`scale: bringing up bench-scale${n} (${n} ssh-only hosts)...`);
      clusters.set(n, await sandboxUp(`bench-scale${n}`, { hosts: n, sshOnly: true, timeoutSecs: 180 }));
    }
    ctx.log(`scale: ${TASKS} tasks on ${sizes.join(', ')} hosts, ${ctx.runs} rounds + warm-up`);
    const methods: Array<[string, () => Promise<Sample>]> = [];
    for (const n of sizes) {
      const c = clusters.get(n)!;
      methods.push([`runbook-${n}`, () => runbookSample(ctx, c, Math.max(n, 10))]);
      methods.push([`floor-${n}`, () => floorProcessSample(ctx, c)]);
    }
    const series = await rounds(ctx.runs, methods, ctx.log);
    return scaleSection(series, sizes);
  } finally {
    for (const n of sizes) await sandboxDown(`bench-scale${n}`);
  }
}

function scaleSection(series: Map<string, Series>, sizes: number[]): Section {
  const rows: Row[] = [];
  const smallest = sizes[0]!;
  const largest = sizes[sizes.length - 1]!;
  const wall = (k: string) => field(series.get(k), (s) => s.wallMs);
  for (const n of sizes) {
    for (const kind of ['runbook', 'floor'] as const) {
      const k = `${kind}-${n}`;
      const s = series.get(k);
      const row: Row = {
        name: `${kind === 'runbook' ? 'runbook apply' : 'ssh2 floor (whole process)'}, ${n} hosts`,
        cells: {
          'wall time': fmtSeconds(summarize(wall(k))),
          [`vs ${smallest} hosts`]: n === smallest ? '1x' : fmtRatio(summarize(pairRatios(wall(k), wall(`${kind}-${smallest}`))), 2),
          'vs floor': kind === 'floor' ? '1x' : fmtRatio(summarize(pairRatios(wall(k), wall(`floor-${n}`))), 2),
          ...processCells(s),
        },
      };
      rows.push(markFailedRuns(row, s));
    }
  }
  const ph = (n: number, k: string) => sum(series.get(`runbook-${n}`), (s) => s.extra?.[k]);
  const details = [
    "**runbook's phases by host count** (from the `-o json` events):",
    '',
    `| hosts | start-up | connect all | → first task | ${TASKS} tasks | per task | finish + exit | floor: start-up / connect / ${TASKS} commands |`,
    '|---|---|---|---|---|---|---|---|',
    ...sizes.map((n) => {
      const perTask = summarize(field(series.get(`runbook-${n}`), (s) => (s.extra?.tasksMs ?? Number.NaN) / TASKS));
      const tail = summarize(field(series.get(`runbook-${n}`), (s) => (s.extra?.finishMs ?? Number.NaN) + (s.extra?.exitMs ?? Number.NaN)));
      const fl = (k: string) => fmtMs(sum(series.get(`floor-${n}`), (s) => s.extra?.[k]));
      return `| ${n} | ${fmtMs(ph(n, 'startupMs'))} | ${fmtMs(ph(n, 'connectMs'))} | ${fmtMs(ph(n, 'preTasksMs'))} | ${fmtMs(ph(n, 'tasksMs'))} | ${fmtMs(perTask)} | ${fmtMs(tail)} | ${fl('startupMs')} / ${fl('connectMs')} / ${fl('commandsMs')} |`;
    }),
  ].join('\n');

  const growth = summarize(pairRatios(wall(`runbook-${largest}`), wall(`runbook-${smallest}`)));
  const floorGrowth = summarize(pairRatios(wall(`floor-${largest}`), wall(`floor-${smallest}`)));
  const rss = sum(series.get(`runbook-${largest}`), (x) => (x.maxRssKb ?? Number.NaN) / 1024);
  return {
    id: 'scale',
    title: `3. Scale: the ${TASKS}-task playbook on ${sizes.join(', ')} hosts`,
    measuredAt: new Date().toISOString(),
    method: [
      `\`runbook apply bench/playbooks/true-20.yaml --forks max(N,10)\` on ssh-only sandboxes \`bench-scale{${sizes.join(',')}}\`, all up at once, every size once per round.`,
      `Peak RSS is the controller process's maximum resident set (\`/usr/bin/time -v\`). The floor is \`floor-ssh2.ts\` on the same hosts.`,
      `Every host is a namespace on the same 2 cores, so at 30 hosts the hosts' sshd and shells compete with the controller ("host CPU").`,
    ].join(' '),
    columns: ['wall time', `vs ${smallest} hosts`, 'vs floor', 'controller CPU', 'host CPU', 'peak RSS'],
    rows,
    details,
    targets: [
      {
        target: `wall time from ${smallest} to ${largest} hosts grows < 2x`,
        measured: `${fmtRatio(growth, 2)} (the ssh2 floor on the same hosts: ${fmtRatio(floorGrowth, 2)})`,
        ...(growth.n && smallest === 3 && largest === 30 ? { met: growth.median < 2 } : {}),
      },
      {
        target: `controller peak RSS < 150 MB at ${largest} hosts`,
        measured: fmtNumber(rss, 'MB'),
        ...(rss.n && largest === 30 ? { met: rss.median < 150 } : {}),
      },
    ],
  };
}
