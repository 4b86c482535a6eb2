/**
 * The schedules file (`runbook.schedules.yaml` by default; `--file` or $RUNBOOK_SCHEDULES),
 * meant to be reviewed in git like the playbooks it names:
 *
 *   jobs:
 *     - name: prod-etcd-backup
 *       playbook: playbooks/etcd-backup.yaml
 *       inventory: [inventory/prod.yaml]
 *       cron: "0 *\/6 * * *"
 *       timezone: Europe/Berlin
 *       yes: true
 *       retention: {dir: /var/backups/etcd, host: etcd, keep_last: 3, daily: 7}
 *
 * Problems are reported as file:line:col. `schedule add` / `remove` edit the YAML document in
 * place, so comments and the order of keys survive.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isNode, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem, type SourceLocation } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { writeFileAtomic } from './atomic-write.js';
import { schedulesSchema, type JobConfig, type ScheduledJob } from './job-schema.js';

export const DEFAULT_SCHEDULES_FILE = 'runbook.schedules.yaml';

export function schedulesFilePath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.RUNBOOK_SCHEDULES ?? DEFAULT_SCHEDULES_FILE);
}

export interface SchedulesFile {
  file: string;
  jobs: ScheduledJob[];
  /** the parsed document, for edits that keep comments */
  doc: Document.Parsed;
}

const NEW_FILE_HEADER = `# Scheduled runbook jobs: \`runbook schedule run\` runs them, \`runbook schedule list\` shows them.
# Reference: docs/scheduling.md
`;

/** Read and check the file. A missing file is an empty schedule unless `mustExist`. */
export async function loadSchedules(file: string, opts: { mustExist?: boolean } = {}): Promise<SchedulesFile> {
  if (!existsSync(file)) {
    if (opts.mustExist) {
      throw new ConfigError({ message: `schedules file ${file} does not exist`, hint: 'create it with `runbook schedule add`, or point --file / RUNBOOK_SCHEDULES at it' });
    }
    return { file, jobs: [], doc: parseDocument(NEW_FILE_HEADER) as Document.Parsed };
  }
  return parseSchedules(await readFile(file, 'utf8'), file);
}

export function parseSchedules(text: string, file: string): SchedulesFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locAt = (offset: number): SourceLocation => ({ file, ...lines.linePos(offset) });
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => ({ message: `YAML syntax error: ${e.message.split('\n')[0]}`, loc: locAt(e.pos[0]) })));
  }
  const raw = doc.toJS() ?? {};
  const parsed = schedulesSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => problemOf(i, doc, locAt)));

  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  parsed.data.jobs.forEach((job, i) => {
    const first = seen.get(job.name);
    if (first !== undefined) {
      problems.push({ message: `job name "${job.name}" is used twice (first as jobs[${first}])`, loc: nodeLoc(doc, ['jobs', i, 'name'], locAt), key: `jobs[${i}].name` });
    }
    seen.set(job.name, i);
  });
  if (problems.length) throw new ConfigError(problems);
  const base = dirname(resolve(file));
  return { file, jobs: parsed.data.jobs.map((j) => normalizeJob(j, base)), doc };
}

function problemOf(issue: z.core.$ZodIssue, doc: Document.Parsed, locAt: (offset: number) => SourceLocation): ConfigProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const key = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(path);
    return {
      message: issue.keys.map((k) => `unknown key "${k}"${didYouMean(k, known)}`).join('; '),
      loc: keyLoc(doc, path, issue.keys[0]!, locAt) ?? nodeLoc(doc, path, locAt),
      key: key || undefined,
    };
  }
  const value = doc.getIn(path);
  const message = issue.code === 'invalid_type' && value === undefined ? `${key || 'file'}: missing (required)` : `${key || 'file'}: ${issue.message}`;
  return { message, loc: nodeLoc(doc, path, locAt), key: key || undefined };
}

function knownKeys(path: (string | number)[]): string[] {
  const last = path[path.length - 1];
  if (path.length === 0) return ['jobs'];
  if (last === 'retention') return ['dir', 'host', 'become', 'keep_last', 'keep_within', 'hourly', 'daily', 'weekly', 'monthly'];
  return Object.keys(schedulesSchema.shape.jobs.unwrap().element.shape);
}

/** position of the node at `path`, or of its nearest ancestor that exists */
function nodeLoc(doc: Document.Parsed, path: (string | number)[], locAt: (offset: number) => SourceLocation): SourceLocation {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return locAt(node.range[0]);
  }
  return locAt(0);
}

function keyLoc(doc: Document.Parsed, path: (string | number)[], key: string, locAt: (offset: number) => SourceLocation): SourceLocation | undefined {
  const map = path.length ? doc.getIn(path, true) : doc.contents;
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isNode(p.key) && (p.key as Node & { value?: unknown }).value === key);
  const k = pair?.key;
  return isNode(k) && k.range ? locAt(k.range[0]) : undefined;
}

function normalizeJob(j: JobConfig, base: string): ScheduledJob {
  const abs = (p: string) => resolve(base, p);
  const extraVars = j.extra_vars === undefined ? [] : Array.isArray(j.extra_vars) ? j.extra_vars.map((v) => (v.startsWith('@') ? `@${abs(v.slice(1))}` : v)) : [JSON.stringify(j.extra_vars)];
  return {
    name: j.name,
    playbook: abs(j.playbook),
    inventory: (Array.isArray(j.inventory) ? j.inventory : [j.inventory]).map(abs),
    cron: j.cron.trim(),
    timezone: j.timezone,
    extraVars,
    limit: j.limit,
    yes: j.yes,
    runsDir: abs(j.runs_dir ?? '.runbook/runs'),
    lock: j.lock,
    lockWait: j.lock_wait ?? 0,
    metricsFile: j.metrics_file === undefined ? undefined : abs(j.metrics_file),
    // a remote directory is a path on the host, not relative to this file
    retention: j.retention && { ...j.retention, dir: j.retention.host ? j.retention.dir : abs(j.retention.dir) },
    forks: j.forks,
    user: j.user,
    knownHosts: j.known_hosts === undefined ? undefined : abs(j.known_hosts),
    sshConfig: j.ssh_config === undefined ? undefined : abs(j.ssh_config),
    connectTimeout: j.connect_timeout,
  };
}

export function findJob(schedules: SchedulesFile, name: string): ScheduledJob {
  const job = schedules.jobs.find((j) => j.name === name);
  if (!job) {
    const names = schedules.jobs.map((j) => j.name);
    throw new ConfigError({
      message: `no job "${name}" in ${schedules.file}.${didYouMean(name, names)}`,
      hint: names.length ? `jobs: ${names.join(', ')}` : 'the file has no jobs; add one with `runbook schedule add`',
    });
  }
  return job;
}

/** a path as the file should store it: relative to the file's directory when it is inside it */
export function pathForFile(file: string, path: string): string {
  const abs = resolve(path);
  const rel = relative(dirname(resolve(file)), abs);
  return rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
}

/** Append a job (already in the file's own terms) and write the file; refuses a duplicate name. */
export async function addJobToFile(file: string, job: Record<string, unknown> & { name: string }): Promise<void> {
  const current = await loadSchedules(file);
  if (current.jobs.some((j) => j.name === job.name)) {
    throw new ConfigError({ message: `a job named "${job.name}" already exists in ${file}`, hint: 'pick another name, or `runbook schedule remove` the old one first' });
  }
  const doc = current.doc;
  let jobs = doc.get('jobs', true);
  if (!isSeq(jobs)) {
    jobs = doc.createNode([]);
    if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
    doc.set('jobs', jobs);
  }
  (jobs as { add(v: unknown): void }).add(doc.createNode(job));
  const text = doc.toString({ lineWidth: 0 });
  // the result must load: a job that cannot be read back must not be written
  parseSchedules(text, file);
  await writeFileAtomic(file, text, 0o600);
}

/** Remove a job by name and write the file. */
export async function removeJobFromFile(file: string, name: string): Promise<void> {
  const current = await loadSchedules(file, { mustExist: true });
  const index = current.jobs.findIndex((j) => j.name === name);
  if (index < 0) findJob(current, name);
  current.doc.deleteIn(['jobs', index]);
  await writeFileAtomic(file, current.doc.toString({ lineWidth: 0 }), 0o600);
}
