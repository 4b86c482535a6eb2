import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeLabelValue, parseMetricsState, recordOutcome, renderMetrics, updateMetricsFile, type MetricsState } from '../../../src/schedule/metrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  help?: string;
  type?: string;
  samples: Sample[];
}

/**
 * A strict reader of the Prometheus text exposition format (0.0.4), as node_exporter's
 * textfile collector applies it: every sample belongs to a family declared by TYPE before it,
 * names and label names are valid, label values are properly escaped, values are floats,
 * no family appears twice and no series is repeated. Anything else throws.
 */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  let current: string | undefined;
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline');
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}`;
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      const f = families.get(name) ?? { samples: [] };
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        f.help = rest;
      } else {
        if (f.type !== undefined) throw new Error(`${where}: second TYPE for ${name}`);
        if (f.samples.length) throw new Error(`${where}: TYPE after samples of ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`${where}: bad type ${rest}`);
        f.type = rest;
      }
      if (current !== name && families.has(name) && f.samples.length) throw new Error(`${where}: family ${name} is not contiguous`);
      families.set(name, f);
      current = name;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (!m) throw new Error(`${where}: not a sample: ${line}`);
    const [, name, , labelText = '', valueText] = m as unknown as [string, string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    let rest = labelText;
    while (rest.length) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
      if (!l) throw new Error(`${where}: bad labels ${labelText}`);
      if (l[1]! in labels) throw new Error(`${where}: label ${l[1]} twice`);
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(l[0].length);
    }
    if (!/^([+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)|NaN|[+-]Inf)$/.test(valueText)) throw new Error(`${where}: bad value ${valueText}`);
    const family = families.get(name);
    if (!family?.type) throw new Error(`${where}: sample of ${name} before its TYPE`);
    if (current !== name) throw new Error(`${where}: sample of ${name} outside its family`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw new Error(`${where}: series repeated: ${series}`);
    seen.add(series);
    family.samples.push({ name, labels, value: Number(valueText) });
  }
  return families;
}

function value(families: Map<string, Family>, name: string, job: string): number | undefined {
  return families.get(name)?.samples.find((s) => s.labels.job === job)?.value;
}

const T0 = new Date('2026-11-22T10:00:00Z');

function afterRuns(): MetricsState {
  let s: MetricsState = new Map();
  s = recordOutcome(s, { job: 'prod-backup', kind: 'run', ok: true, startedAt: T0, durationMs: 12_500, backup: { path: '/b/x.db', size: 5_242_880, revision: 4711, keys: 900 } });
  s = recordOutcome(s, { job: 'prod-backup', kind: 'run', ok: false, startedAt: new Date(T0.getTime() + 6 * 3_600_000), durationMs: 3_000 });
  s = recordOutcome(s, { job: 'prod-backup', kind: 'skipped' });
  s = recordOutcome(s, { job: 'staging "b"\\ack\nup', kind: 'run', ok: true, startedAt: T0, durationMs: 1_000 });
  return s;
}

test('the metrics text parses strictly and carries the values of each job', (t) => {
  const text = renderMetrics(afterRuns());
  const f = parseExposition(text);
  const prod = (name: string) => value(f, name, 'prod-backup');
  t.is(prod('runbook_job_last_success_timestamp_seconds'), T0.getTime() / 1000 + 12.5);
  t.is(prod('runbook_job_last_run_timestamp_seconds'), T0.getTime() / 1000 + 6 * 3600);
  t.is(prod('runbook_job_last_duration_seconds'), 3);
  t.is(prod('runbook_job_last_status'), 0);
  t.is(prod('runbook_job_failures_total'), 1);
  t.is(prod('runbook_job_runs_total'), 2);
  t.is(prod('runbook_job_skipped_total'), 1);
  t.is(prod('runbook_backup_last_size_bytes'), 5_242_880);
  t.is(prod('runbook_backup_last_revision'), 4711);
  t.is(f.get('runbook_job_failures_total')?.type, 'counter');
  t.is(f.get('runbook_job_last_status')?.type, 'gauge');
  for (const [name, fam] of f) t.truthy(fam.help, `${name} has HELP`);
  // a job name with quotes, a backslash and a newline survives escaping
  t.is(value(f, 'runbook_job_last_status', 'staging "b"\\ack\nup'), 1);
  t.is(value(f, 'runbook_backup_last_size_bytes', 'staging "b"\\ack\nup'), undefined);
});

test('the strict parser in this test does reject broken text', (t) => {
  t.throws(() => parseExposition('x{job="a"} 1\n'), { message: /before its TYPE/ });
  t.throws(() => parseExposition('# TYPE x gauge\nx{job="a\\q"} 1\n'), { message: /bad labels/ });
  t.throws(() => parseExposition('# TYPE x gauge\nx{job="a"} one\n'), { message: /bad value/ });
  t.throws(() => parseExposition('# TYPE x gauge\nx{job="a"} 1\nx{job="a"} 2\n'), { message: /repeated/ });
  t.throws(() => parseExposition('# TYPE x gauge\nx 1'), { message: /newline/ });
});

test('reading the file back restores every value, so counters survive a restart', (t) => {
  const state = afterRuns();
  t.deepEqual(parseMetricsState(renderMetrics(state)), state);
});

test('label escaping', (t) => {
  t.is(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
});

test('the metrics file is replaced atomically and runs finishing together both count', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
  const file = join(dir, 'runbook.prom');
  writeFileSync(file, renderMetrics(recordOutcome(new Map(), { job: 'other', kind: 'run', ok: true, startedAt: T0, durationMs: 1 })));
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => updateMetricsFile(file, { job: 'prod-backup', kind: 'run', ok: i % 2 === 0, startedAt: T0, durationMs: 1000 })),
  );
  const f = parseExposition(readFileSync(file, 'utf8'));
  t.is(value(f, 'runbook_job_runs_total', 'prod-backup'), 10);
  t.is(value(f, 'runbook_job_failures_total', 'prod-backup'), 5);
  t.is(value(f, 'runbook_job_runs_total', 'other'), 1, 'another job\'s series are kept');
  t.deepEqual(readdirSync(dir), ['runbook.prom'], 'no temp file left behind');
});
