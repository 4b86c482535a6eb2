/**
 * `--step` as an operator meets it in a real terminal (tmux, 100x30) against a real 3-member
 * sandbox: each question names the task as the host it is about to run on reads it, Enter means
 * no (as in Ansible), "continue" runs the rest of the run (later plays included) without asking,
 * and a task answered no is shown as skipped in the live tree and in the recap. What the screen
 * says is checked against the hosts' files.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliSession } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import { Screen } from '../helpers/terminal.js';

const sandbox = useSandbox(test, { name: 'tstep' });
const cli = new CliSession('term-step-');
test.after(() => cli.remove());

const MARK = `/tmp/step-mark-${process.pid}`;

/** two plays: three tasks one member at a time, then one task on every member */
function playbook(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-step-'));
  const file = join(dir, 'step.yaml');
  writeFileSync(
    file,
    `- name: Mark each member in turn
  hosts: etcd
  serial: 1
  tasks:
    - name: "Write the first marker on {{ inventory_hostname }}"
      command: touch ${MARK}-first
    - name: "Write the second marker on {{ inventory_hostname }}"
      command: touch ${MARK}-second
    - name: "Write the third marker on {{ inventory_hostname }}"
      command: touch ${MARK}-third
- name: Mark every member at once
  hosts: etcd
  tasks:
    - name: "Write the last marker on {{ inventory_hostname }}"
      command: touch ${MARK}-last
`,
  );
  return file;
}

async function marks(host: string): Promise<string[]> {
  const r = await sandbox().hostExec(host, `ls ${MARK}-* 2>/dev/null | sed 's|.*-||' | sort`, { allowFail: true });
  return r.stdout.split('\n').filter(Boolean);
}

const QUESTION = /\(N\)o\/\(y\)es\/\(c\)ontinue:/g;
const questions = (s: Screen) => s.history().match(QUESTION)?.length ?? 0;

test.serial('--step: real host names, Enter is no, continue runs the rest of the run, a declined task shows as skipped in the tree and the recap', async (t) => {
  t.timeout(900_000);
  const sb = sandbox();
  const s = new Screen('step', { cols: 100, rows: 30 });
  t.teardown(() => s.close());
  s.startCli(['apply', playbook(), '-i', sb.inventoryYaml, '--step', '--runs-dir', cli.runsDir, '--locks-dir', cli.locksDir]);
  await s.waitFor(/Proceed\?/, 240_000, 'the confirmation');
  s.send('y', 'Enter');

  // first question: the name rendered for node1, and the host named
  await s.waitFor(/Run "Write the first marker on node1" on node1\? \(N\)o\/\(y\)es\/\(c\)ontinue:/, 240_000, 'the first --step question');
  t.notRegex(s.history(), /\{\{|\}\}/, 'no raw template in a question');
  t.is(questions(s), 1);
  s.send('Enter'); // Enter: no
  await s.waitFor(/Run "Write the second marker on node1" on node1\?/, 240_000, 'the second question');
  t.regex(s.history(), /no: skipped/, 'Enter was taken as no');
  s.send('y', 'Enter');
  await s.waitFor(/Run "Write the third marker on node1" on node1\?/, 240_000, 'the third question');
  s.send('c', 'Enter');

  const code = await s.waitForExit(600_000);
  const out = s.output();
  t.log(out);
  t.is(code, 0, out);
  // "continue" covered the other members' batches and the second play: three questions in all
  t.is(questions(s), 3, out);
  t.regex(out, /continue: no more questions/);
  // the declined task, in the live tree and in the recap, for node1 only
  t.regex(out, /↓ Write the first marker on node1: skipped on node1 \(you answered no at --step\)/);
  const recap = out.slice(out.lastIndexOf('RECAP'));
  t.regex(recap, /node1 .*skipped=1[\s\S]*-> changed as planned, except 1 task\(s\) skipped at --step\s+skipped at --step: Write the first marker on node1/);
  t.regex(recap, /node2 .*skipped=0/);
  t.regex(recap, /node3 .*skipped=0/);

  // the hosts agree with the screen
  t.deepEqual(await marks('node1'), ['last', 'second', 'third']);
  t.deepEqual(await marks('node2'), ['first', 'last', 'second', 'third']);
  t.deepEqual(await marks('node3'), ['first', 'last', 'second', 'third']);
});
