/**
 * The controller dies mid-run: playbooks/etcd-heartbeat-tuning.yaml on a real 3-member etcd
 * cluster is killed with SIGKILL right after its rolling restart restarted the first member with
 * the new values (one member on 200/2000 ms, the others on 100/1000). Then, through the built CLI:
 *  - the next apply on that cluster refuses, naming the run and `runbook rollback RUN_ID`,
 *    and touches no host;
 *  - `runbook rollback` without a terminal and without --yes refuses and changes nothing;
 *  - `runbook rollback RUN_ID --yes`, from another directory and without --runs-dir, undoes the
 *    run from its journal: on the hosts (read without runbook) every config file is byte for byte
 *    as before, every etcd runs the old values, every member is healthy with the same member IDs,
 *    and every key written before the run is there;
 *  - the run is then recorded as rolled back and no longer blocks an apply.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventOf, RunEvent } from '../../src/events/types.js';
import { childOutput } from '../helpers/child-output.js';
import { allMembersHealthy, getPrefix, makeEntries, memberList, putEntries } from '../helpers/etcd-data.js';
import { CliSession, cliCommand, parseEvents, repoRoot } from '../helpers/runbook-cli.js';
import { useSandbox, type Sandbox } from '../helpers/sandbox.js';

const PLAYBOOK = join(repoRoot, 'playbooks/etcd-heartbeat-tuning.yaml');
const HOSTS = ['node1', 'node2', 'node3'];
const sandbox = useSandbox(test, { name: 'killed' });
const cli = new CliSession('controller-killed-');
// this controller's record of unfinished runs, for these tests only
const stateDir = join(cli.dir, 'state');
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', RUNBOOK_STATE_DIR: stateDir };
test.after(() => cli.remove());

const applyArgs = (sb: Sandbox) => ['apply', PLAYBOOK, '-i', sb.inventoryYaml, '-o', 'json', '--runs-dir', cli.runsDir, '--locks-dir', cli.locksDir, '--yes', '-e', 'heartbeat_interval=200', '-e', 'election_timeout=2000'];

/** the built CLI in `cwd`, stdin closed (no terminal) */
async function runbook(args: string[], cwd = repoRoot, timeoutMs = 600_000) {
  const child = spawn(process.execPath, [...cliCommand(), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
  const out = await childOutput(child, timeoutMs);
  return { ...out, events: parseEvents(out.stdout) };
}

interface HostState {
  files: string;
  heartbeat?: string;
  election?: string;
}

/** on the host itself, without runbook: the config file's bytes and what the running etcd uses */
async function hostState(sb: Sandbox, host: string): Promise<HostState> {
  const r = await sb.hostExec(host, 'sha256sum /etc/etcd/etcd.conf /etc/systemd/system/etcd.service 2>/dev/null; echo ---; p=$(pidof etcd); tr "\\0" "\\n" < /proc/$p/cmdline; tr "\\0" "\\n" < /proc/$p/environ');
  const [files, proc] = r.stdout.split('---\n') as [string, string];
  const pick = (flag: string, name: string) => new RegExp(`^--${flag}=(\\d+)$`, 'm').exec(proc)?.[1] ?? new RegExp(`^${name}=(\\d+)$`, 'm').exec(proc)?.[1];
  return { files, heartbeat: pick('heartbeat-interval', 'ETCD_HEARTBEAT_INTERVAL'), election: pick('election-timeout', 'ETCD_ELECTION_TIMEOUT') };
}

const allStates = (sb: Sandbox) => Promise.all(HOSTS.map((h) => hostState(sb, h)));

test.serial('a run killed mid rolling restart blocks the next apply and is undone by runbook rollback, every host as before', async (t) => {
  const sb = sandbox();
  await allMembersHealthy(sb);
  const entries = makeEntries('/killed', 200, 'before');
  await putEntries(sb, 'node1', entries);
  const before = await allStates(sb);
  t.true(before.every((s) => s.heartbeat === '100' && s.election === '1000'), JSON.stringify(before));
  const members = (await memberList(sb, 'node1')).map((m) => m.id).sort();

  // 1. the controller is killed after the first member was restarted with the new values
  const child = spawn(process.execPath, [...cliCommand(), ...applyArgs(sb)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
  const events: RunEvent[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const cut = buffered.lastIndexOf('\n');
    if (cut < 0) return;
    events.push(...parseEvents(buffered.slice(0, cut)));
    buffered = buffered.slice(cut + 1);
  });
  const done = childOutput(child, 600_000);
  const restarted = () => events.find((e): e is EventOf<'host:end'> => e.type === 'host:end' && /^Restart etcd on /.test(e.task) && e.status === 'changed');
  const deadline = Date.now() + 480_000;
  // killed while it waits for that member (a step that only reads, cut off half-way)
  const waiting = () => restarted() && events.some((e) => e.type === 'host:start' && e.host === restarted()!.host && /^Wait until .* is back, every member healthy/.test(e.task));
  while (!waiting()) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the run never restarted a member:\n${(await done).stderr}\n${events.map((e) => e.type).join(' ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  const killed = await done;
  t.is(killed.signal, 'SIGKILL');
  const runId = events.find((e): e is EventOf<'run:start'> => e.type === 'run:start')!.runId;
  const victim = restarted()!.host;
  const halfway = await allStates(sb);
  const changed = HOSTS.filter((_, i) => halfway[i]!.files !== before[i]!.files);
  t.deepEqual(changed, [victim], 'the run died with one member changed');
  t.like(halfway[HOSTS.indexOf(victim)], { heartbeat: '200', election: '2000' });

  // 2. the next apply refuses, names the run and the command, and touches no host
  const next = await runbook(applyArgs(sb));
  t.is(next.code, 7, next.stderr);
  t.regex(next.stderr, new RegExp(`run ${runId} .* never finished`));
  t.regex(next.stderr, new RegExp(`runbook rollback ${runId}`));
  t.regex(next.stderr, /--ignore-unfinished/);
  t.false(next.events.some((e) => e.type === 'host:connect'), 'the refused apply contacted no host');

  // 3. no terminal, no --yes: refused, nothing changed
  const asked = await runbook(['rollback', runId, '--runs-dir', cli.runsDir, '-o', 'json']);
  t.is(asked.code, 5, asked.stderr);
  t.deepEqual((await allStates(sb)).map((s) => s.files), halfway.map((s) => s.files));

  // 4. from another directory, without --runs-dir, by a prefix of the id
  const elsewhere = mkdtempSync(join(cli.dir, 'elsewhere-'));
  const undo = await runbook(['rollback', runId.slice(0, -2), '--yes', '-o', 'json'], elsewhere);
  const failed = undo.events.filter((e) => (e.type === 'host:end' && e.status === 'failed') || (e.type === 'rollback:step' && e.status === 'failed'));
  t.is(undo.code, 0, `${undo.stderr}\n${JSON.stringify(failed, null, 1)}`);
  const confirm = undo.events.find((e): e is EventOf<'confirm'> => e.type === 'confirm');
  t.regex(confirm?.message ?? '', new RegExp(`${victim}: undo "Write the new values into the etcd configuration of ${victim}`));
  t.regex(confirm?.message ?? '', new RegExp(`${victim}: "Wait until ${victim} is back, every member healthy and caught up": nothing to undo \\(it only reads\\)`));
  t.true(undo.events.some((e) => e.type === 'rollback:step' && e.host === victim && e.step === 'Start etcd with the old values' && e.status === 'changed'));

  // 5. on the hosts: every file and every member as before, every key there
  await allMembersHealthy(sb);
  const after = await allStates(sb);
  for (const [i, h] of HOSTS.entries()) {
    t.is(after[i]!.files, before[i]!.files, `${h}: config files as before`);
    t.like(after[i], { heartbeat: '100', election: '1000' }, `${h} runs the old values`);
  }
  t.deepEqual((await memberList(sb, 'node1')).map((m) => m.id).sort(), members);
  t.deepEqual(await getPrefix(sb, victim, '/killed'), entries);

  // 6. recorded as rolled back; no longer blocks an apply
  const history = await runbook(['history', '--runs-dir', cli.runsDir, '--json']);
  const rec = (JSON.parse(history.stdout) as { runId: string; status: string }[]).find((r) => r.runId === runId);
  t.is(rec?.status, 'rolled_back');
  t.deepEqual(readdirSync(join(stateDir, 'unfinished')), []);
});
