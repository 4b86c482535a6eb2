import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { addJobToFile, findJob, loadSchedules, parseSchedules, removeJobFromFile, schedulesFilePath } from '../../../src/schedule/schedules-file.js';

const FILE = '/srv/ops/runbook.schedules.yaml';

function problemsOf(text: string): string[] {
  try {
    parseSchedules(text, FILE);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.loc ? `${p.loc.line}:${p.loc.col} ` : ''}${p.message}`);
    throw e;
  }
  return [];
}

const good = `# reviewed in git
jobs:
  - name: prod-backup
    playbook: playbooks/etcd-backup.yaml
    inventory: [inventory/prod.yaml]
    cron: "0 */6 * * *"
    timezone: Europe/Berlin
    extra_vars: {backup_dir: /var/backups/etcd}
    yes: true
    lock: etcd
    metrics_file: /var/lib/node_exporter/textfile/runbook.prom
    retention:
      dir: /var/backups/etcd
      host: etcd
      keep_last: 3
      keep_within: 1h
      daily: 7
  - name: staging-backup
    playbook: /abs/etcd-backup.yaml
    inventory: inventory/staging.yaml
    cron: "@daily"
    extra_vars: ["backup_dir=/tmp", "@vars/staging.yaml"]
    retention: {dir: backups, keep_last: 2}
`;

test('a valid file loads with defaults and paths resolved against the file\'s directory', (t) => {
  const s = parseSchedules(good, FILE);
  const [prod, staging] = s.jobs;
  t.like(prod, {
    name: 'prod-backup',
    playbook: '/srv/ops/playbooks/etcd-backup.yaml',
    inventory: ['/srv/ops/inventory/prod.yaml'],
    cron: '0 */6 * * *',
    timezone: 'Europe/Berlin',
    extraVars: ['{"backup_dir":"/var/backups/etcd"}'],
    yes: true,
    lock: 'etcd',
    lockWait: 0,
    runsDir: '/srv/ops/.runbook/runs',
    metricsFile: '/var/lib/node_exporter/textfile/runbook.prom',
  });
  // a remote directory is a path on the host, left as written
  t.like(prod!.retention, { dir: '/var/backups/etcd', host: 'etcd', keep_last: 3, keep_within: '1h', daily: 7 });
  t.like(staging, { playbook: '/abs/etcd-backup.yaml', inventory: ['/srv/ops/inventory/staging.yaml'], yes: false, lock: 'file', extraVars: ['backup_dir=/tmp', '@/srv/ops/vars/staging.yaml'] });
  t.is(staging!.retention!.dir, '/srv/ops/backups');
});

const bad: [string, string, RegExp[]][] = [
  ['YAML syntax', 'jobs:\n  - name: x\n    cron: "0 * * *\n', [/^\d+:\d+ YAML syntax error/]],
  [
    'an invalid cron expression points at the cron value',
    'jobs:\n  - name: a\n    playbook: p.yaml\n    inventory: i.yaml\n    cron: "61 * * * *"\n',
    [/^5:11 jobs\[0\]\.cron: invalid cron expression "61 \* \* \* \*"/],
  ],
  [
    'a misspelt key is named, with the likely one',
    'jobs:\n  - name: a\n    playbook: p.yaml\n    inventory: i.yaml\n    cron: "@daily"\n    timezone: UTC\n    retension: {dir: x, keep_last: 1}\n',
    [/^7:5 unknown key "retension" did you mean `retention`\?/],
  ],
  [
    'a missing required key points at its job',
    'jobs:\n  - name: a\n    inventory: i.yaml\n    cron: "@daily"\n',
    [/^2:5 jobs\[0\]\.playbook: missing \(required\)/],
  ],
  [
    'an unknown time zone points at the timezone value',
    'jobs:\n  - name: a\n    playbook: p.yaml\n    inventory: i.yaml\n    cron: "@daily"\n    timezone: Mars/Base\n',
    [/^6:15 jobs\[0\]\.timezone: unknown time zone "Mars\/Base"/],
  ],
  [
    'a retention policy that keeps nothing points at the retention block',
    'jobs:\n  - name: a\n    playbook: p.yaml\n    inventory: i.yaml\n    cron: "@daily"\n    retention:\n      dir: /b\n      hourly: 0\n',
    [/^7:7 jobs\[0\]\.retention: a retention policy needs at least one rule/],
  ],
  [
    'a wrong lock kind',
    'jobs:\n  - name: a\n    playbook: p.yaml\n    inventory: i.yaml\n    cron: "@daily"\n    lock: flock\n',
    [/^6:11 jobs\[0\]\.lock: /],
  ],
  [
    'a duplicate job name points at the second one',
    'jobs:\n  - name: a\n    playbook: p.yaml\n    inventory: i.yaml\n    cron: "@daily"\n  - name: a\n    playbook: p.yaml\n    inventory: i.yaml\n    cron: "@daily"\n',
    [/^6:11 job name "a" is used twice \(first as jobs\[0\]\)/],
  ],
  [
    'a job name that cannot be a unit or label',
    'jobs:\n  - name: "prod backup"\n    playbook: p.yaml\n    inventory: i.yaml\n    cron: "@daily"\n',
    [/^2:11 jobs\[0\]\.name: a job name is letters/],
  ],
  ['jobs that is not a list', 'jobs: {name: a}\n', [/^1:7 jobs: /]],
];
for (const [title, text, expected] of bad) {
  test(`schedules file error: ${title}`, (t) => {
    const problems = problemsOf(text);
    t.is(problems.length, expected.length, problems.join('\n'));
    expected.forEach((re, i) => t.regex(problems[i] ?? '', re));
  });
}

test('errors carry the file name for file:line:col output', (t) => {
  const err = t.throws(() => parseSchedules('jobs:\n  - name: a\n    cron: nope\n    playbook: p\n    inventory: i\n', FILE), { instanceOf: ConfigError });
  t.is(err!.exitCode, 2);
  t.regex(err!.message, /^\/srv\/ops\/runbook.schedules.yaml:3:11: jobs\[0\]\.cron: invalid cron expression/);
});

test('add and remove keep comments and refuse a duplicate name', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sched-'));
  const file = join(dir, 'runbook.schedules.yaml');
  writeFileSync(file, good);
  await addJobToFile(file, { name: 'dev-backup', playbook: 'pb.yaml', inventory: ['dev.yaml'], cron: '*/5 * * * * *', yes: false, lock: 'file' });
  const text = readFileSync(file, 'utf8');
  t.true(text.startsWith('# reviewed in git\n'));
  t.deepEqual((await loadSchedules(file)).jobs.map((j) => j.name), ['prod-backup', 'staging-backup', 'dev-backup']);
  await t.throwsAsync(addJobToFile(file, { name: 'prod-backup', playbook: 'x', inventory: ['y'], cron: '@daily' }), { message: /already exists/ });
  await removeJobFromFile(file, 'staging-backup');
  t.deepEqual((await loadSchedules(file)).jobs.map((j) => j.name), ['prod-backup', 'dev-backup']);
  t.true(readFileSync(file, 'utf8').includes('# reviewed in git'));
  await t.throwsAsync(removeJobFromFile(file, 'prod-backpu'), { message: /no job "prod-backpu".* did you mean `prod-backup`\?/ });
});

test('add creates the file when there is none; a job that would not load is not written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sched-'));
  const file = join(dir, 'runbook.schedules.yaml');
  await addJobToFile(file, { name: 'a', playbook: 'pb.yaml', inventory: ['inv.yaml'], cron: '@hourly' });
  t.deepEqual((await loadSchedules(file)).jobs.map((j) => j.name), ['a']);
  await t.throwsAsync(addJobToFile(file, { name: 'b', playbook: 'pb.yaml', inventory: ['inv.yaml'], cron: 'nope' }), { instanceOf: ConfigError });
  t.deepEqual((await loadSchedules(file)).jobs.map((j) => j.name), ['a']);
});

test('the file comes from --file, then RUNBOOK_SCHEDULES, then the default name', (t) => {
  t.is(schedulesFilePath('/x/a.yaml', { RUNBOOK_SCHEDULES: '/y/b.yaml' }), '/x/a.yaml');
  t.is(schedulesFilePath(undefined, { RUNBOOK_SCHEDULES: '/y/b.yaml' }), '/y/b.yaml');
  t.is(schedulesFilePath(undefined, {}), join(process.cwd(), 'runbook.schedules.yaml'));
});

test('a missing file is an empty schedule, or an error where one is needed', async (t) => {
  t.deepEqual((await loadSchedules('/nonexistent/runbook.schedules.yaml')).jobs, []);
  await t.throwsAsync(loadSchedules('/nonexistent/runbook.schedules.yaml', { mustExist: true }), { message: /does not exist/ });
  t.throws(() => findJob(parseSchedules(good, FILE), 'nope'), { message: /no job "nope"/ });
});
