import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** One benchmark's results as they go into the table and RESULTS.md. */
export interface Section {
  id: 'overhead' | 'distribute' | 'scale' | 'restore' | 'profile' | 'diagnose';
  title: string;
  /** when it was measured (ISO); sections not re-run keep theirs */
  measuredAt: string;
  /** what was measured and how, markdown */
  method: string;
  columns: string[];
  rows: Row[];
  /** more markdown after the table (breakdowns) */
  details?: string;
  targets: Target[];
}

export interface Row {
  name: string;
  cells: Record<string, string>;
  /** FAIL rows are printed loudly and listed at the end of the run */
  status?: 'ok' | 'FAIL' | 'pending';
  note?: string;
}

export interface Target {
  target: string;
  measured: string;
  /** undefined: not measured (pending) */
  met?: boolean;
}

export interface RunInfo {
  startedAt: string;
  finishedAt: string;
  machine: string;
  loadBefore: string;
  loadAfter: string;
  node: string;
  runbook: string;
  ansible: string;
  openssh: string;
  ssh2: string;
  runs: number;
  command: string;
}

export interface Results {
  run: RunInfo;
  sections: Section[];
}

const ORDER: Section['id'][] = ['overhead', 'distribute', 'scale', 'restore', 'profile', 'diagnose'];
export const ANALYSIS_START = '<!-- analysis:start (hand-written; kept as is by npm run bench) -->';
export const ANALYSIS_END = '<!-- analysis:end -->';

/** Sections measured now replace the same sections of an earlier run; the others are kept. */
export function mergeResults(previous: Results | undefined, now: Results): Results {
  const byId = new Map<string, Section>();
  for (const s of previous?.sections ?? []) byId.set(s.id, s);
  for (const s of now.sections) byId.set(s.id, s);
  return { run: now.run, sections: ORDER.map((id) => byId.get(id)).filter((s): s is Section => s !== undefined) };
}

export function readResults(file: string): Results | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Results;
  } catch {
    return undefined;
  }
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function markdownTable(columns: string[], rows: Row[]): string {
  const head = ['', ...columns];
  const lines = [`| ${head.map(mdEscape).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const name = r.status === 'FAIL' ? `**FAIL** ${r.name}` : r.status === 'pending' ? `${r.name} (pending)` : r.name;
    lines.push(`| ${[name, ...columns.map((c) => r.cells[c] ?? '')].map(mdEscape).join(' | ')} |`);
  }
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`);
  return lines.join('\n') + (notes.length ? `\n\n${notes.join('\n')}` : '');
}

function targetMark(t: Target): string {
  return t.met === undefined ? 'not measured' : t.met ? 'met' : '**missed**';
}

export function renderMarkdown(res: Results, analysis: string): string {
  const r = res.run;
  const out: string[] = [];
  out.push('# Benchmarks: runbook against Ansible and scp on the same hosts');
  out.push('');
  out.push('<!-- Written by `npm run bench` (bench/run.ts). Everything outside the analysis markers is');
  out.push('     regenerated on each run; bench/results.json holds the same numbers. -->');
  out.push('');
  out.push(`Last run: \`${r.command}\`, ${r.startedAt} → ${r.finishedAt}. Each section says when it was measured; a run with \`--only\` replaces only its own sections.`);
  out.push('');
  out.push(`- Machine: ${r.machine}; load average ${r.loadBefore} at the start of the last run, ${r.loadAfter} at its end (other engineers' tests share it: numbers are noisy)`);
  out.push(`- Node ${r.node}; runbook ${r.runbook}; ${r.ansible}; ${r.openssh}; ${r.ssh2}`);
  out.push(`- Every row: median (min–max) of ${r.runs} runs after one warm-up run; ratios are taken pair by pair within a round (the two sides measured back to back), then the median and range of those ratios.`);
  out.push('- The sandbox hosts are network/PID/mount namespaces on this same machine: work the engine makes a host do (Ansible: Python per task) competes with the controller for the same 2 cores. "host CPU" columns show how much.');
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push('| target | measured | |');
  out.push('|---|---|---|');
  for (const s of res.sections) for (const t of s.targets) out.push(`| ${mdEscape(t.target)} | ${mdEscape(t.measured)} | ${targetMark(t)} |`);
  out.push('');
  for (const s of res.sections) {
    out.push(`## ${s.title}`);
    out.push('');
    out.push(`_Measured ${s.measuredAt}._ ${s.method}`);
    out.push('');
    out.push(markdownTable(s.columns, s.rows));
    out.push('');
    if (s.details) {
      out.push(s.details.trim());
      out.push('');
    }
  }
  out.push('## Analysis');
  out.push('');
  out.push(ANALYSIS_START);
  out.push(analysis.trim() ? analysis.trim() : '_(none yet)_');
  out.push(ANALYSIS_END);
  out.push('');
  return out.join('\n');
}

/** The hand-written analysis of an existing RESULTS.md, kept across runs. */
export function readAnalysis(file: string): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(ANALYSIS_START);
  const b = text.indexOf(ANALYSIS_END);
  if (a < 0 || b < a) return '';
  return text.slice(a + ANALYSIS_START.length, b);
}

export function writeResults(mdFile: string, jsonFile: string, res: Results): void {
  const analysis = readAnalysis(mdFile);
  writeFileSync(jsonFile, `${JSON.stringify(res, null, 2)}\n`);
  writeFileSync(mdFile, renderMarkdown(res, analysis));
}

/** Plain-text table for the terminal. */
export function textTable(columns: string[], rows: Row[]): string {
  const head = ['', ...columns];
  const body = rows.map((r) => [(r.status === 'FAIL' ? 'FAIL ' : r.status === 'pending' ? 'PENDING ' : '') + r.name, ...columns.map((c) => r.cells[c] ?? '')]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function printSection(s: Section): void {
  const out = process.stdout;
  out.write(`\n== ${s.title}\n`);
  out.write(`${textTable(s.columns, s.rows)}\n`);
  for (const r of s.rows.filter((x) => x.note)) out.write(`  ${r.status === 'FAIL' ? '!! ' : ''}${r.name}: ${r.note}\n`);
  if (s.details) out.write(`\n${s.details.trim()}\n\n`);
  for (const t of s.targets) out.write(`  target: ${t.target} -> ${t.measured} [${t.met === undefined ? 'not measured' : t.met ? 'met' : 'MISSED'}]\n`);
}
