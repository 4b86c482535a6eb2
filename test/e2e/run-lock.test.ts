/**
 * The run lock keeps every run against one cluster apart, whatever directory, inventory file or
 * controller it comes from: lock files per host in the machine's own lock directory (not the
 * working directory), and a lease in the cluster's etcd. A run killed with -9 leaves its lock
 * stale and its hosts half-changed: the next run refuses and names `runbook rollback`; told to go
 * on anyway (--ignore-unfinished), it takes the lock over and says what the killed run left
 * half-done.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childOutput } from '../helpers/child-output.js';
import { cliCommand, parseEvents } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import type { EventOf, RunEvent } from '../../src/events/types.js';

const sandbox = useSandbox(test, { name: 'run-lock', hosts: 3 });
const work = mkdtempSync(join(tmpdir(), 'runbook-lock-e2e-'));

// this controller's record of runs whose controller died (unfinished-runs.ts), for these tests only
const stateDir = join(work, 'state');
const playbook = join(work, 'hold.yaml');
writeFileSync(
  playbook,
  `- name: Hold the cluster for a while
  hosts: etcd
  gather_facts: false
  vars:
    hold: 0
  tasks:
    - name: Leave a marker
      command: touch /tmp/lock-e2e-marker
      changed_when: true
      rollback:
        - name: Remove the marker
          command: rm -f /tmp/lock-e2e-marker
    - name: Hold
      command: sleep {{ hold }}
`,
);

interface Started {
  child: ReturnType<typeof spawn>;
  events: RunEvent[];
  done: ReturnType<typeof childOutput>;
}

/** `runbook apply` started in `cwd`, with the machine's default lock directory (no --locks-dir) */
function start(cwd: string, inventory: string, hold: number, env: NodeJS.ProcessEnv = {}, args: string[] = []): Started {
  const child = spawn(process.execPath, [...cliCommand(), 'apply', playbook, '-i', inventory, '-o', 'json', '--yes', '-e', `hold=${hold}`, '--runs-dir', join(cwd, 'runs'), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUNBOOK_LOCKS_DIR: '', RUNBOOK_STATE_DIR: stateDir, ...env },
  });
  const events: RunEvent[] = [];
  child.stdout!.on('data', (d: Buffer) => events.push(...parseEvents(d.toString())));
  return { child, events, done: childOutput(child, 180_000) };
}

async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const holding = (s: Started) => s.events.some((e) => e.type === 'host:start' && e.task === 'Hold');
const warnings = (text: string) => parseEvents(text).filter((e): e is EventOf<'warning'> => e.type === 'warning').map((e) => e.message);

test.serial('a second run from another directory, with another inventory file for the same cluster, is refused (75)', async (t) => {
  const a = mkdtempSync(join(work, 'a-'));
  const b = mkdtempSync(join(work, 'b-'));
  const first = start(a, sandbox().inventoryYaml, 8);
  await until('the first run to hold the cluster', () => holding(first));
  const second = await childOutput(spawn(process.execPath, [...cliCommand(), 'apply', playbook, '-i', sandbox().inventoryIni, '-o', 'json', '--yes', '-e', 'hold=0', '--runs-dir', join(b, 'runs')], { cwd: b, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUNBOOK_LOCKS_DIR: '' } }), 120_000);
  t.is(second.code, 75, second.stderr);
  t.regex(second.stderr, new RegExp(`another run holds the lock host-10\\.[0-9.]+_22 \\(lock file /run/lock/runbook/host-.*: .* pid ${first.child.pid}`));
  t.false(parseEvents(second.stdout).some((e) => e.type === 'host:connect'), 'the refused run contacted no host');
  const r = await first.done;
  t.is(r.code, 0, r.stderr);
});

test.serial('a run from another controller (its own lock directory) is refused by the lease in the cluster\'s etcd', async (t) => {
  const a = mkdtempSync(join(work, 'c-'));
  const b = mkdtempSync(join(work, 'd-'));
  const first = start(a, sandbox().inventoryYaml, 8);
  await until('the first run to hold the cluster', () => holding(first));
  const second = await childOutput(spawn(process.execPath, [...cliCommand(), 'apply', playbook, '-i', sandbox().inventoryYaml, '-o', 'json', '--yes', '-e', 'hold=0', '--runs-dir', join(b, 'runs'), '--locks-dir', join(b, 'locks')], { cwd: b, stdio: ['ignore', 'pipe', 'pipe'] }), 120_000);
  t.is(second.code, 75, second.stderr);
  t.regex(second.stderr, new RegExp(`another run holds the lock cluster \\(etcd key runbook/locks/cluster\\): .* pid ${first.child.pid}`));
  const r = await first.done;
  t.is(r.code, 0, r.stderr);
});

test.serial('the run after a kill -9 is refused, naming runbook rollback; with --ignore-unfinished it takes the stale lock over and says what the killed run left half-done', async (t) => {
  const a = mkdtempSync(join(work, 'e-'));
  const killed = start(a, sandbox().inventoryYaml, 60);
  await until('the run to be in its long task', () => holding(killed));
  killed.child.kill('SIGKILL');
  await killed.done;
  const killedId = killed.events.find((e): e is EventOf<'run:start'> => e.type === 'run:start')!.runId;
  const b = mkdtempSync(join(work, 'f-'));
  const refused = await start(b, sandbox().inventoryYaml, 0).done;
  t.is(refused.code, 7, refused.stderr);
  t.regex(refused.stderr, new RegExp(`run ${killedId} .*never finished.*started and never finished: node\\d: Hold`, 's'));
  t.regex(refused.stderr, new RegExp(`hint: undo it first: runbook rollback ${killedId} .*--ignore-unfinished`));
  t.false(parseEvents(refused.stdout).some((e) => e.type === 'host:connect'), 'the refused run contacted no host');
  const next = start(b, sandbox().inventoryYaml, 0, {}, ['--ignore-unfinished', 'the marker file is harmless']);
  const r = await next.done;
  t.true(warnings(r.stdout).some((w) => new RegExp(`going on despite run ${killedId} .*\\(--ignore-unfinished: the marker file is harmless\\)`).test(w)), r.stdout);
  t.is(r.code, 0, r.stderr);
  const said = warnings(r.stdout).filter((w) => w.startsWith('took over stale run lock'));
  t.true(said.length >= 1, r.stdout);
  t.true(said.some((w) => /stale run lock \/run\/lock\/runbook\/host-/.test(w)), said.join('\n'));
  for (const w of said) {
    t.regex(w, new RegExp(`pid ${killed.child.pid}`));
    t.regex(w, /that run was stopped before it finished/);
    t.regex(w, /started and never finished: node\d: Hold/);
    t.regex(w, /changed and never rolled back: node\d: Leave a marker/);
  }
  // exit 0 above also proves the killed run's lease in etcd (30 s TTL) was revoked, not waited out
  t.false(warnings(r.stdout).some((w) => w.startsWith('waiting')));
  for (const h of ['node1', 'node2', 'node3']) await sandbox().hostExec(h, 'pkill -x sleep; rm -f /tmp/lock-e2e-marker', { allowFail: true });
});
