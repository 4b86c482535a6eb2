/**
 * Secrets through a whole run: every event, the record (events.jsonl, summary.json), the
 * confirmation as the terminal shows it, and what apply hands back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { ScriptedPrompter } from '../../../src/engine/confirm.js';
import { planPlaybook, planText } from '../../../src/engine/plan.js';
import type { ExecOptions, ExecResult } from '../../../src/transport/types.js';
import type { Task } from '../../../src/playbook/types.js';
import { RecordingHost, memoryInventory, play, runOn, shellTask, type Run } from './engine-fixture.js';

/** a host that prints back every command it is sent, and remembers how it was sent */
class EchoHost extends RecordingHost {
  readonly sent: Array<{ line: string; opts: ExecOptions }> = [];
  override async exec(line: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.sent.push({ line, opts });
    await super.exec(line);
    const failed = this.failOn?.test(line) ?? false;
    opts.onStdout?.(`said: ${line}\n`);
    return { exitCode: failed ? 1 : 0, stdout: `said: ${line}\n`, stderr: failed ? `failed: ${line}\n` : '', durationMs: 1 };
  }
}

/** everything the run showed or kept, as one text */
function everything(run: Run, asked: string[] = []): string {
  return [
    JSON.stringify(run.events),
    readFileSync(join(run.summary.runDir, 'events.jsonl'), 'utf8'),
    readFileSync(join(run.summary.runDir, 'summary.json'), 'utf8'),
    JSON.stringify(run.summary),
    ...asked,
  ].join('\n');
}

function task(name: string, module: string, args: Record<string, unknown>, extra: Partial<Task> = {}): Task {
  return { ...shellTask(name, 'x'), module, args, ...extra };
}

const echoHosts = { makeHost: (h: string) => new EchoHost(h) };

test('summary.json and the summary apply returns are redacted: a failed check with a secret in its message', async (t) => {
  const check = task('can log in', 'assert', { that: 'false', fail_msg: 'cannot log in with {{ db_password }}' });
  const pb = play([shellTask('work', 'true')], { preflight: [check] });
  const run = await runOn(pb, ['a'], { ...echoHosts, extraVars: { db_password: 'pw-in-failure-1' } });
  t.is(run.summary.exitCode, 3);
  t.regex(run.summary.message ?? '', /cannot log in with \*+/);
  const saved = JSON.parse(readFileSync(join(run.summary.runDir, 'summary.json'), 'utf8')) as { message: string };
  t.regex(saved.message, /cannot log in with \*+/);
  t.false(everything(run).includes('pw-in-failure-1'));
});

test('the confirmation as the terminal shows it: redacted, and a no_log task shows no command', async (t) => {
  const prompter = new ScriptedPrompter({ confirm: true });
  const pb = play(
    [
      shellTask('use the password', 'login {{ db_password | quote }}'),
      shellTask('use the session', 'use-session {{ session_blob }}', { no_log: true }),
    ],
    { confirm: 'About to use {{ db_password }}' },
  );
  const run = await runOn(pb, ['a'], { ...echoHosts, prompter, options: { yes: false }, extraVars: { db_password: "pw 'quoted' 2", session_blob: 'nolog-blob-2' } });
  t.is(run.summary.status, 'ok');
  t.is(prompter.asked.length, 1);
  // a no_log step is shown by its name only: neither its command nor its module's arguments
  t.regex(prompter.asked[0]!, /\d+\. use the session$/m);
  t.false(prompter.asked[0]!.includes('use-session'));
  t.regex(prompter.asked[0]!, /About to use \*+/);
  const all = everything(run, prompter.asked);
  t.false(all.includes("pw 'quoted' 2"));
  t.false(all.includes(`'pw '"'"'quoted'"'"' 2'`), 'nor shell-quoted');
  t.false(all.includes('nolog-blob-2'));
});

test('a no_log preflight check that fails says so without its message, in events, summary and the error', async (t) => {
  const pb = play([shellTask('work', 'true')], {
    preflight: [task('the session is accepted', 'assert', { that: 'false', fail_msg: 'session {{ session_blob }} rejected' }, { no_log: true })],
  });
  const run = await runOn(pb, ['a'], { extraVars: { session_blob: 'nolog-preflight-3' } });
  t.is(run.summary.exitCode, 3);
  t.regex(run.summary.message ?? '', /the session is accepted: failed \(output hidden: no_log\)/);
  t.false(everything(run).includes('nolog-preflight-3'));
});

test('set_fact, task vars, registered values of no_log tasks and secret-named registers become secrets', async (t) => {
  const pb = play([
    task('derive', 'set_fact', { app_secret: "{{ seed ~ '-derived' }}" }),
    shellTask('print derived', 'echo {{ app_secret }}'),
    shellTask('with task vars', 'echo {{ local_token }}', { vars: { local_token: 'task-var-token-4' } }),
    shellTask('read quietly', 'read-it', { no_log: true, register: 'quiet' }),
    shellTask('print what was read', 'echo {{ quiet.stdout }}'),
    shellTask('read a token', 'get-join', { register: 'join_token' }),
    task('print the token', 'debug', { var: 'join_token' }),
  ]);
  const run = await runOn(pb, ['a'], { ...echoHosts, extraVars: { seed: 'seed-4' } });
  t.is(run.summary.status, 'ok', run.summary.message);
  const all = everything(run);
  t.false(all.includes('seed-4-derived'), 'set_fact');
  t.false(all.includes('task-var-token-4'), 'task vars');
  // the no_log task's output was `said: read-it`
  t.false(all.includes('said: read-it'), 'registered by a no_log task');
  t.false(all.includes('said: get-join'), 'registered under a secret name');
  t.true(all.includes('print what was read'));
});

test('the --ask-become-pass password is a secret though no variable names it', async (t) => {
  const pb = play([shellTask('echo', 'echo become-pw-5')]);
  const run = await runOn(pb, ['a'], { ...echoHosts, secrets: ['become-pw-5'] });
  t.is(run.summary.status, 'ok');
  t.false(everything(run).includes('become-pw-5'));
});

test('a command that holds a secret, and every command of a no_log task, is sent hidden (on stdin)', async (t) => {
  const pb = play([
    shellTask('plain', 'echo hello'),
    shellTask('with secret', 'echo {{ db_password }}'),
    shellTask('no_log', 'echo nothing secret', { no_log: true }),
  ]);
  const run = await runOn(pb, ['a'], { ...echoHosts, extraVars: { db_password: 'pw-hidden-6' } });
  const sent = (run.hosts.get('a') as EchoHost).sent;
  t.deepEqual(
    sent.map((s) => [s.line.includes('/bin/sh -c') ? 'argv' : 'script', s.opts.hideCommand ?? false]),
    [
      ['argv', false],
      ['script', true],
      ['script', true],
    ],
  );
  t.is(sent[1]!.opts.interpreter, '/bin/sh');
});

test('plan hides no_log commands and redacts secrets', async (t) => {
  const inv = memoryInventory(['a'], { a: { ansible_become_password: 'inv-become-pw-7' } });
  const pb = play([
    shellTask('login', 'login {{ db_password }} {{ ansible_become_password }}'),
    shellTask('session', 'use {{ session_blob }}', { no_log: true, rollback: [shellTask('undo session', 'drop {{ session_blob }}', { no_log: true })] }),
  ]);
  const plan = await planPlaybook(pb, inv, { db_password: 'plan-pw-7', session_blob: 'plan-blob-7' }, { tags: [], skipTags: [] });
  const text = `${planText(plan)}\n${JSON.stringify(plan)}`;
  t.regex(text, /login \*+ \*+/);
  t.regex(text, /session: shell <hidden: no_log>/);
  for (const s of ['plan-pw-7', 'inv-become-pw-7', 'plan-blob-7']) t.false(text.includes(s), s);
});
