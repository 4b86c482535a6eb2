/**
 * The scheduler refuses to run with files someone else can change (docs/security.md): the
 * schedules file at start and on reload, and every file a job's run reads (playbook, vars_files,
 * inventory, group_vars, `-e @file`, templates). The jobs run the real apply flow on a local
 * connection, so a refused file is proven by a marker the playbook never wrote.
 * Keys and known_hosts are proven over SSH in test/e2e/security.test.ts.
 */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { runSchedules } from '../../../src/schedule/daemon.js';
import { jobRunner } from '../../../src/schedule/job-runner.js';
import type { RunJobContext } from '../../../src/schedule/scheduler.js';
import { job } from './fixtures.js';

const asRoot = process.geteuid?.() === 0;

/** a job directory: a playbook that touches a marker, with vars_files, a template, group_vars and -e @file */
function jobDir() {
  const dir = mkdtempSync(join(tmpdir(), 'untrusted-'));
  const marker = join(dir, 'ran');
  const files = {
    playbook: join(dir, 'site.yaml'),
    varsFile: join(dir, 'vars.yaml'),
    template: join(dir, 'motd.j2'),
    inventory: join(dir, 'inventory', 'hosts.yaml'),
    groupVars: join(dir, 'inventory', 'group_vars', 'all.yaml'),
    extraVars: join(dir, 'extra.yaml'),
  };
  mkdirSync(join(dir, 'inventory', 'group_vars'), { recursive: true });
  writeFileSync(
    files.playbook,
    `- name: touch the marker
  hosts: all
  vars_files: [vars.yaml]
  tasks:
    - name: render
      template: {src: ${files.template}, dest: ${join(dir, 'motd')}}
    - name: touch
      command: touch {{ marker }}
`,
  );
  writeFileSync(files.varsFile, `marker: ${marker}\n`);
  writeFileSync(files.template, 'hello {{ greeting }}\n');
  writeFileSync(files.inventory, 'all:\n  hosts:\n    ctl: {ansible_connection: local}\n');
  writeFileSync(files.groupVars, 'greeting: world\n');
  writeFileSync(files.extraVars, 'unused: 1\n');
  const j = job('local', { playbook: files.playbook, inventory: [files.inventory], extraVars: [`@${files.extraVars}`], runsDir: join(dir, 'runs'), lock: 'none' });
  return { dir, marker, files, job: j };
}

function ctx(): RunJobContext {
  return { tick: new Date(), signal: new AbortController().signal, started: () => {}, log: () => {} };
}

test('a job whose files only root or the scheduler\'s user can write runs', async (t) => {
  const d = jobDir();
  const outcome = await jobRunner()(d.job, ctx());
  t.is(outcome.status, 'ok', outcome.message);
  t.true(existsSync(d.marker));
});

for (const [name, what] of [
  ['playbook', 'playbook'],
  ['varsFile', 'vars file'],
  ['inventory', 'inventory'],
  ['groupVars', 'vars file'],
  ['extraVars', 'extra vars file'],
  ['template', 'template'],
] as const) {
  test(`${what === 'inventory' || what === 'extra vars file' ? 'an' : 'a'} ${what} its group can write (${name}) is refused by name with the chmod; nothing runs`, async (t) => {
    const d = jobDir();
    chmodSync(d.files[name], 0o664);
    const outcome = await jobRunner()(d.job, ctx());
    t.is(outcome.status, 'failed');
    // a template is read when its task runs: that task fails, and its event says why
    const said = name === 'template' ? readFileSync(join(d.job.runsDir, outcome.runId!, 'events.jsonl'), 'utf8') : (outcome.message ?? '');
    t.regex(said, new RegExp(`${what} ${d.files[name]} can be written by its group \\(mode 0664\\)`));
    t.regex(said, new RegExp(`chmod go-w ${d.files[name]}`));
    t.false(existsSync(d.marker), 'the command never ran');
  });
}

test('an inventory owned by another user is refused with the chown', async (t) => {
  if (!asRoot) return t.pass('needs root to chown');
  const d = jobDir();
  chownSync(d.files.inventory, 65534, 65534);
  const outcome = await jobRunner()(d.job, ctx());
  t.is(outcome.exitCode, 2);
  t.regex(outcome.message ?? '', new RegExp(`inventory ${d.files.inventory} is owned by uid 65534.*chown root ${d.files.inventory}`));
  t.false(existsSync(d.marker));
});

test('a playbook in a directory others can write is refused (they could replace it)', async (t) => {
  const d = jobDir();
  chmodSync(d.dir, 0o777);
  const outcome = await jobRunner()(d.job, ctx());
  t.regex(outcome.message ?? '', new RegExp(`its directory ${d.dir} can be written by its group and every user`));
  t.false(existsSync(d.marker));
});

function schedulesFile(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'untrusted-sched-'));
  const file = join(dir, 'runbook.schedules.yaml');
  writeFileSync(file, 'jobs:\n  - {name: a, playbook: pb.yaml, inventory: inv.yaml, cron: "0 */6 * * *", yes: true}\n');
  chmodSync(file, mode);
  return file;
}

test('the scheduler does not start with a schedules file others can write', async (t) => {
  const file = schedulesFile(0o666);
  let runs = 0;
  const err = await t.throwsAsync(
    runSchedules({ file, watchFile: false, signals: new EventEmitter() as unknown as NodeJS.Process, log: () => {}, runJob: async () => (runs++, { status: 'ok', exitCode: 0, durationMs: 0 }) }),
    { instanceOf: ConfigError },
  );
  t.regex(err!.message, new RegExp(`schedules file ${file} can be written by its group and every user \\(mode 0666\\).*chmod go-w ${file}`));
  t.is(runs, 0);
  // --once too: that is what installed timers start
  await t.throwsAsync(runSchedules({ file, once: 'a', signals: new EventEmitter() as unknown as NodeJS.Process, log: () => {} }), { instanceOf: ConfigError });
});

test('a schedules file that turns writable by others is not reloaded: the jobs stay as they were', async (t) => {
  const file = schedulesFile(0o644);
  const signals = new EventEmitter();
  const lines: string[] = [];
  const done = runSchedules({ file, watchFile: false, signals: signals as unknown as NodeJS.Process, log: (l) => lines.push(l), runJob: async () => ({ status: 'ok', exitCode: 0, durationMs: 0 }) });
  while (!lines.some((l) => l.includes(' started '))) await new Promise((r) => setTimeout(r, 5));
  writeFileSync(file, 'jobs:\n  - {name: evil, playbook: pb.yaml, inventory: inv.yaml, cron: "* * * * *", yes: true}\n');
  chmodSync(file, 0o646);
  signals.emit('SIGHUP');
  while (!lines.some((l) => l.includes(' error ') || l.includes(' reloaded '))) await new Promise((r) => setTimeout(r, 20));
  signals.emit('SIGTERM');
  t.is(await done, 0);
  const error = lines.find((l) => l.includes(' error '));
  t.truthy(error, lines.join('\n'));
  t.regex(error!, /not reloaded, the jobs stay as they were: .*can be written by every user \(mode 0646\)/);
  t.false(lines.some((l) => l.includes(' reloaded ')));
});
