/**
 * The engine's promises, over real SSH on sandbox hosts, through the real CLI:
 * rollback in reverse order on every host, nothing changed when a host is unreachable or a
 * preflight check fails, refusal without a terminal, a changed host key refused, hostile
 * variable values arriving as data, and Ctrl-C rolling back.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliCommand } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox(test, { name: 'engine', hosts: 3, sshOnly: true });
const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'runbook-engine-e2e-'));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  events: Array<Record<string, any>>;
}

/** the CLI as an operator runs it, without a terminal; JSON events on stdout */
function runbook(args: string[], opts: { onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliCommand(), ...args, '--runs-dir', join(work, 'runs'), '--locks-dir', join(work, 'locks')], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onStdout?.(d.toString(), child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const events = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, any>);
      resolve({ code, stdout, stderr, events });
    });
  });
}

function playbook(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

/** a listing of everything a run could have touched, to compare before/after byte for byte */
async function snapshotOf(host: string): Promise<string> {
  const r = await sandbox().hostExec(host, 'find /tmp /root /etc/default -xdev -type f -exec sha256sum {} + 2>/dev/null | sort');
  return r.stdout;
}

const stepsPlaybook = (failOn: string) =>
  playbook(
    `steps-${failOn}.yaml`,
    `
- name: four steps
  hosts: all
  tasks:
    - name: step 1
      shell: echo 1 >> /tmp/steps
      rollback: [{ name: undo 1, shell: echo undo1 >> /tmp/steps }]
    - name: step 2
      copy: { dest: /tmp/step2, content: "two\\n" }
      rollback: [{ name: undo 2, file: { path: /tmp/step2, state: absent } }]
    - name: step 3
      shell: echo 3 >> /tmp/steps
      rollback: [{ name: undo 3, shell: echo undo3 >> /tmp/steps }]
    - name: step 4 fails on ${failOn}
      shell: test "{{ inventory_hostname }}" != ${failOn}
`,
  );

test.serial('a failure in task 4 on one host undoes tasks 1-3 on every host, newest first; exit 1', async (t) => {
  const sb = sandbox();
  const r = await runbook(['apply', stepsPlaybook('node2'), '-i', sb.inventoryYaml, '--yes', '-o', 'json']);
  t.is(r.code, 1, r.stderr);
  for (const h of sb.hosts) {
    const steps = await sb.hostExec(h.inventoryName, 'cat /tmp/steps; test -e /tmp/step2 && echo step2-still-there || true');
    t.is(steps.stdout, '1\n3\nundo3\nundo1\n', `${h.inventoryName}: steps undone in reverse order and step 2's file removed`);
  }
  const end = r.events.find((e) => e.type === 'run:end')!;
  t.is(end.status, 'rolled_back');
  t.is(end.recap.node2.failed, 1);
  for (const h of ['node1', 'node2', 'node3']) t.regex(end.recap[h].state, /^changed, then rolled back/);
  for (const h of sb.hosts) await sb.hostExec(h.inventoryName, 'rm -f /tmp/steps /tmp/step2');
});

test.serial('a failing rollback step makes the run exit 6 (rollback incomplete), not 1', async (t) => {
  const sb = sandbox();
  const pb = playbook(
    'rollback-fails.yaml',
    `
- name: the undo of step 1 fails on node2
  hosts: all
  tasks:
    - name: step 1
      shell: echo 1 >> /tmp/rbsteps
      rollback: [{ name: undo 1, shell: 'test "{{ inventory_hostname }}" != node2 && echo undo1 >> /tmp/rbsteps' }]
    - name: step 2 fails on node1
      shell: test "{{ inventory_hostname }}" != node1
`,
  );
  const r = await runbook(['apply', pb, '-i', sb.inventoryYaml, '--yes', '-o', 'json']);
  t.is(r.code, 6, r.stderr);
  const end = r.events.find((e) => e.type === 'run:end')!;
  t.is(end.status, 'rollback_failed');
  t.is(end.exitCode, 6);
  t.regex(end.recap.node2.state, /^ROLLBACK INCOMPLETE: undo "undo 1" failed/);
  t.is((await sb.hostExec('node2', 'cat /tmp/rbsteps')).stdout, '1\n');
  t.is((await sb.hostExec('node1', 'cat /tmp/rbsteps')).stdout, '1\nundo1\n');
  for (const h of sb.hosts) await sb.hostExec(h.inventoryName, 'rm -f /tmp/rbsteps');
});

test.serial('an unreachable host stops the run before anything runs: every host byte-for-byte unchanged, exit 4', async (t) => {
  const sb = sandbox();
  const before = await Promise.all(sb.hosts.map((h) => snapshotOf(h.inventoryName)));
  // node3 stops answering: its sshd is stopped inside its namespace
  const inv = join(work, 'unreachable.yaml');
  writeFileSync(inv, readFileSync(sb.inventoryYaml, 'utf8').replace(/(node3:\s*\n\s*ansible_host: )"?[\d.]+"?/, '$1"127.0.0.2"'));
  const r = await runbook(['apply', stepsPlaybook('nobody'), '-i', inv, '--yes', '-o', 'json', '--connect-timeout', '60']);
  t.is(r.code, 4, r.stderr);
  const failed = r.events.filter((e) => e.type === 'host:connect' && !e.ok).map((e) => e.host);
  t.deepEqual(failed, ['node3']);
  t.false(r.events.some((e) => e.type === 'task:start'), 'no task started');
  const after = await Promise.all(sb.hosts.map((h) => snapshotOf(h.inventoryName)));
  t.deepEqual(after, before);
});

test.serial('a failing preflight check leaves every host byte-for-byte unchanged, exit 3, each failure listed', async (t) => {
  const sb = sandbox();
  await sb.hostExec('node2', 'rm -f /tmp/ready');
  await Promise.all(['node1', 'node3'].map((h) => sb.hostExec(h, 'touch /tmp/ready')));
  const before = await Promise.all(sb.hosts.map((h) => snapshotOf(h.inventoryName)));
  const pb = playbook(
    'preflight.yaml',
    `
- name: guarded
  hosts: all
  preflight:
    - name: the host is ready
      command: test -e /tmp/ready
  tasks:
    - name: change something
      copy: { dest: /tmp/changed, content: "x\\n" }
`,
  );
  const r = await runbook(['apply', pb, '-i', sb.inventoryYaml, '--yes', '-o', 'json']);
  t.is(r.code, 3, r.stderr);
  t.deepEqual(
    r.events.filter((e) => e.type === 'preflight:check' && !e.ok).map((e) => e.host),
    ['node2'],
  );
  t.regex(r.events.find((e) => e.type === 'run:end')!.message, /node2: the host is ready/);
  const after = await Promise.all(sb.hosts.map((h) => snapshotOf(h.inventoryName)));
  t.deepEqual(after, before);
  await Promise.all(sb.hosts.map((h) => sb.hostExec(h.inventoryName, 'rm -f /tmp/ready')));
});

test.serial('without a terminal and without --yes the run refuses after preflight and changes nothing, exit 5', async (t) => {
  const sb = sandbox();
  const pb = playbook('needs-yes.yaml', `- hosts: all\n  tasks:\n    - name: write\n      copy: { dest: /tmp/needs-yes, content: "x\\n" }\n`);
  const r = await runbook(['apply', pb, '-i', sb.inventoryYaml, '-o', 'plain']);
  t.is(r.code, 5, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /--yes/);
  for (const h of sb.hosts) t.is((await sb.hostExec(h.inventoryName, 'test -e /tmp/needs-yes', { allowFail: true })).code, 1);
});

test.serial('a changed host key is refused with both fingerprints, exit 4, nothing runs', async (t) => {
  const sb = sandbox();
  const known = join(work, 'known_hosts_wrong');
  copyFileSync(sb.knownHosts, known);
  // node1's entry gets node2's key: what a man in the middle (or a reinstalled host) looks like
  const lines = readFileSync(known, 'utf8').trim().split('\n');
  const node1 = sb.hosts[0]!.ip;
  const node2Key = lines.find((l) => l.startsWith(`${sb.hosts[1]!.ip} `))!.split(' ').slice(1).join(' ');
  writeFileSync(known, lines.map((l) => (l.startsWith(`${node1} `) ? `${node1} ${node2Key}` : l)).join('\n') + '\n');
  const inv = join(work, 'wrong-key.yaml');
  writeFileSync(inv, readFileSync(sb.inventoryYaml, 'utf8').replace(/runbook_known_hosts: .*/, `runbook_known_hosts: "${known}"`));
  const r = await runbook(['apply', stepsPlaybook('nobody'), '-i', inv, '--yes', '-o', 'json']);
  t.is(r.code, 4);
  const err = r.events.find((e) => e.type === 'host:connect' && e.host === 'node1')!;
  t.false(err.ok);
  t.regex(err.error, /SHA256:[A-Za-z0-9+/]+.*SHA256:[A-Za-z0-9+/]+/s);
  t.false(r.events.some((e) => e.type === 'task:start'));
  t.is((await sb.hostExec('node2', 'test -e /tmp/steps', { allowFail: true })).code, 1);
});

test.serial('a variable holding "; rm -rf /" reaches the remote command quoted, as data', async (t) => {
  const sb = sandbox();
  const hostile = `x'; touch /tmp/pwned; echo '$(touch /tmp/pwned2)\`touch /tmp/pwned3\`; rm -rf /`;
  const pb = playbook(
    'hostile.yaml',
    `
- hosts: node1
  tasks:
    - name: write the value through a shell
      shell: printf '%s' {{ value | quote }} > /tmp/hostile
`,
  );
  const r = await runbook(['apply', pb, '-i', sb.inventoryYaml, '--yes', '-o', 'json', '-e', JSON.stringify({ value: hostile })]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const got = await sb.hostExec('node1', 'cat /tmp/hostile; echo; ls /tmp/pwned /tmp/pwned2 /tmp/pwned3 2>&1 | grep -c "No such file"');
  t.is(got.stdout, `${hostile}\n3\n`);
  t.is((await sb.hostExec('node1', 'test -d /etc && test -d /root && echo intact')).stdout.trim(), 'intact');
  await sb.hostExec('node1', 'rm -f /tmp/hostile');
});

test.serial('Ctrl-C during a run stops it, rolls back what was done, exit 130', async (t) => {
  const sb = sandbox();
  const pb = playbook(
    'interrupt.yaml',
    `
- hosts: all
  tasks:
    - name: first
      copy: { dest: /tmp/interrupt-first, content: "1\\n" }
      rollback: [{ name: remove first, file: { path: /tmp/interrupt-first, state: absent } }]
    - name: slow
      command: sleep 30
    - name: never
      copy: { dest: /tmp/interrupt-never, content: "x\\n" }
`,
  );
  let sent = false;
  const r = await runbook(['apply', pb, '-i', sb.inventoryYaml, '--yes', '-o', 'json'], {
    onStdout: (chunk, child) => {
      if (!sent && chunk.includes('"task":"slow"') && chunk.includes('"type":"cmd"')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    },
  });
  t.true(sent, 'the slow task started');
  t.is(r.code, 130, r.stderr);
  t.is(r.events.find((e) => e.type === 'run:end')!.status, 'interrupted');
  for (const h of sb.hosts) {
    const left = await sb.hostExec(h.inventoryName, 'ls /tmp/interrupt-first /tmp/interrupt-never 2>/dev/null; pgrep -x sleep || true');
    t.is(left.stdout, '', `${h.inventoryName}: first undone, never not run, no sleep left running`);
  }
});
