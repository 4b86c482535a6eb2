/**
 * The live view in a real terminal (tmux) against a real 3-member sandbox: the progress header
 * while a task runs, tasks skipped on every host told as one line, hosts skipped alike as one
 * row, Ansible's colours (a red ✖ for a failure, a task that every host skipped is not a ✔),
 * an expected and ignored gRPC error in a few words (whole with -v), a recap that at 80
 * columns wraps between words under its indent, and NO_COLOR honoured everywhere.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliSession } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import { Screen } from '../helpers/terminal.js';

const sandbox = useSandbox(test, { name: 'tlive' });
const cli = new CliSession('term-live-');
test.after(() => cli.remove());

const GO = `/tmp/live-go-${process.pid}`;
const STOPPED = 'node3';

/**
 * Two plays. The first, two hosts at a time: two tasks no host runs, a task that waits for the
 * test's go-ahead (so the test reads the live header without racing the run), a change on
 * every host, a task only node1 runs, and a health question to a member the test has stopped
 * (ignore_errors). The second fails on purpose with a long reason, for the recap.
 */
function playbook(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-live-'));
  const file = join(dir, 'live.yaml');
  writeFileSync(
    file,
    `- name: Show the live view
  hosts: etcd
  serial: 2
  tasks:
    - name: Never runs, first of two
      command: "true"
      when: inventory_hostname == 'nowhere'
    - name: Never runs, second of two
      command: "true"
      when: inventory_hostname == 'nowhere'
    - name: "Wait for the go-ahead on {{ inventory_hostname }}"
      wait_for:
        path: ${GO}
        timeout: 1200
    - name: Change something
      command: touch /tmp/live-mark
    - name: Only on node1
      command: "true"
      when: inventory_hostname == 'node1'
    - name: Ask each member whether it is healthy
      etcd_health: {}
      ignore_errors: true
- name: End with a failure
  hosts: node1
  tasks:
    - name: Fail on purpose with a long reason
      assert:
        that: inventory_hostname == 'nowhere'
        fail_msg: "this failure explains itself at length, naming /etc/etcd/etcd.conf.2026-12-04@19:31:42~ and http://10.250.0.1:2379, so that the recap has to wrap it more than once on a narrow terminal of eighty columns or fewer"
`,
  );
  return file;
}

function args(file: string, extra: string[] = []): string[] {
  return ['apply', file, '-i', sandbox().inventoryYaml, '--yes', '--runs-dir', cli.runsDir, '--locks-dir', cli.locksDir, ...extra];
}

function lastSummary(): { recap: Record<string, { state: string; failure?: string }>; message?: string } {
  const runs = readdirSync(cli.runsDir).sort();
  const f = join(cli.runsDir, runs[runs.length - 1]!, 'summary.json');
  if (!existsSync(f)) throw new Error('no summary.json');
  return JSON.parse(readFileSync(f, 'utf8'));
}


test.serial('80 columns: progress header, skipped tasks in one line, Ansible colours, quiet ignored gRPC error, a recap wrapped between words', async (t) => {
  t.timeout(900_000);
  const file = playbook();
  // a member down: the health question to it fails, as the playbook expects
  await sandbox().hostExec(STOPPED, 'systemctl stop etcd');
  const s = new Screen('live', { cols: 80, rows: 24 });
  t.teardown(() => s.close());
  s.startCli(args(file));
  // the header while the first batch waits for the go-ahead: play, the batch's hosts, task n/N, time
  const header = /Wait for the go-ahead on node1\s+play 1\/2 · node1, node2 \(batch 1\/2\) · task 3\/6 · \d+:\d\d/;
  await s.waitFor(() => header.test(s.screen().join('\n')), 600_000, 'the live progress header');
  for (const h of ['node1', 'node2', 'node3']) await sandbox().hostExec(h, `touch ${GO}`);
  const code = await s.waitForExit(600_000);
  const out = s.output();
  const colored = s.history(true);
  t.log(out);
  t.is(code, 1, out);

  // the two tasks no host runs: one dim line per batch, never a ✔
  t.regex(out, /↓ 2 tasks skipped on node1, node2 \(condition was false\)/);
  t.regex(out, /↓ 2 tasks skipped on node3 \(condition was false\)/);
  t.notRegex(out, /Never runs/, 'their names only with -v');
  t.notRegex(out, /✔ [^\n]*Never runs/);
  // hosts skipped alike share a row; the finished task keeps a short progress
  t.regex(out, /✔ Only on node1 +task 5\/6 · \d+:\d\d\n {2}✔ node1: changed [^\n]*\n {2}↓ node2: skipped \(condition was false\)/);
  // colours: changed yellow, failed a red ✖, skipped dim
  t.regex(colored, /\x1b\[33m[^\n]*✔ node\d: changed/);
  t.regex(colored, /\x1b\[31m✖\x1b\[0?m? ?[^\n]*Fail on purpose/);
  t.regex(colored, /\x1b\[2m↓ 2 tasks skipped/);
  // the ignored error of the stopped member, without its gRPC boilerplate
  t.regex(out, /✔ node3: ignored \([^)]*\): [^\n]*\s+[^\n]*?not\s+answering\s+\(-v\s+for\s+the\s+gRPC\s+error\)/);
  t.notRegex(out, /UNAVAILABLE|Last error/);

  // 80 columns: every line fits, and the recap never breaks a word
  for (const line of out.split('\n')) t.true(line.length <= 80, `fits 80 columns: ${line}`);
  const recap = out.slice(out.lastIndexOf('RECAP'));
  const rows = recap.split('\n');
  const summary = lastSummary();
  const said = [...Object.values(summary.recap).flatMap((r) => [r.state, r.failure ?? '']), summary.message ?? ''].join(' ');
  t.true(said.length > 200, 'the recap has long lines to wrap');
  for (const word of said.split(/\s+/).filter((w) => w.length > 1 && w.length < 70)) {
    t.true(rows.some((r) => r.includes(word)), `"${word}" is whole on one line of the recap:\n${recap}`);
  }
  // a wrapped row keeps the indent of what it continues
  t.regex(recap, /\n {9}why: [^\n]+\n {14}\S/);
});

test.serial('-v with NO_COLOR: the ignored gRPC error whole, the skipped tasks named, and no escape code at all', async (t) => {
  t.timeout(900_000);
  const file = playbook();
  await sandbox().hostExec(STOPPED, 'systemctl stop etcd');
  for (const h of ['node1', 'node2', 'node3']) await sandbox().hostExec(h, `touch ${GO}`);
  const s = new Screen('live-v', { cols: 160, rows: 48, env: {} });
  t.teardown(() => s.close());
  s.startCli(args(file, ['-v']), { NO_COLOR: '1' });
  const code = await s.waitForExit(600_000);
  const out = s.history(true);
  t.log(out);
  t.is(code, 1, out);
  t.regex(out, /UNAVAILABLE/, 'with -v the gRPC error is whole');
  t.regex(out, /↓ 2 tasks skipped on node1, node2 \(condition was false\)\n {4}Never runs, first of two\n {4}Never runs, second of two/);
  t.regex(out, /RECAP/);
  t.notRegex(out, /\x1b\[[0-9;]*m/, 'no colour anywhere, recap included');
});
