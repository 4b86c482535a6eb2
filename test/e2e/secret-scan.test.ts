/**
 * The secret scan: on one TLS sandbox (real sshd, real etcd with client certificates), every
 * shipped runbook and test/fixtures/playbooks/secrets.yaml run in every output mode (`-o json`,
 * `-o plain -vv`, and the live tree on a real pseudo-terminal through `script`), then everything
 * the runs wrote (the run records, summary.json, `history` in all its forms, `plan`) and printed
 * is searched for each secret in the forms it travels in: as is, shell-quoted, JSON-escaped and
 * base64, and for the etcd client key the etcd modules read from the members.
 *
 * The shipped runbooks run with --check or with small inputs, so the scan takes minutes; a run
 * that fails is fine as long as it got to the tasks that talk to etcd (and so read its TLS files).
 * While the fixture's slow steps run, the member's process list is watched as a local user would:
 * a secret on a command line there is a leak too.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { childOutput } from '../helpers/child-output.js';
import { waitHealthy } from '../helpers/etcd-data.js';
import { CliSession, type CliResult, cliCommand, describeRun, parseEvents, repoRoot, runCli } from '../helpers/runbook-cli.js';
import { type Sandbox, shellQuote, useSandbox } from '../helpers/sandbox.js';
import { quote } from '../../src/transport/shell-quote.js';

const sandbox = useSandbox(test, { name: 'secretscan', tls: true });
const cli = new CliSession('secret-scan-e2e-');
test.after(() => cli.remove());

const FIXTURE = join(repoRoot, 'test/fixtures/playbooks/secrets.yaml');
const tag = randomBytes(4).toString('hex');
/** each secret is unique to this test run, so a hit can only come from a leak */
const secrets = {
  db_password: `Pw'd q ${tag}-pass`,
  aws_secret_access_key: `AKsecret/${tag}-awskey+x`,
  creds_password: `cr"ed\\${tag}-nested`,
  db_pwd: Number.parseInt(`7${tag.replace(/[^0-9]/g, '').padEnd(7, '3').slice(0, 7)}`, 10),
  session_blob: `sess-${tag}-nolog-blob`,
  app_secret: `fact-${tag}-derived`,
  host_token: `hosttok-${tag}-${randomBytes(3).toString('hex')}`,
  join_token: `jointok-${tag}-${randomBytes(3).toString('hex')}`,
};

/**
 * What a secret looks like after the transformations a template or a record applies: as is,
 * shell-quoted, JSON-escaped, base64; and its longest run of characters no encoding escapes,
 * which is there however many times the text was escaped.
 */
function encodings(secret: string): Array<[string, string]> {
  const core = (secret.match(/[A-Za-z0-9-]+/g) ?? []).sort((a, b) => b.length - a.length)[0] ?? secret;
  return [
    ['as is', secret],
    ['shell-quoted', quote(secret)],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['base64', Buffer.from(secret).toString('base64')],
    ['in any escaping', core],
  ];
}

interface Printed {
  what: string;
  text: string;
}
const printed: Printed[] = [];

function record(what: string, r: { stdout: string; stderr: string }): void {
  printed.push({ what: `${what} (stdout)`, text: r.stdout }, { what: `${what} (stderr)`, text: r.stderr });
}

/** a command line for `script`: sized wide, so the tree never wraps a secret out of sight */
async function runTty(args: string[], answer?: { when: RegExp; send: string }, timeoutMs = 300_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const line = ['stty cols 400 rows 60;', 'exec', shellQuote(process.execPath), ...[...cliCommand(), ...args].map(shellQuote)].join(' ');
  const child = spawn('script', ['-qfec', line, '/dev/null'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm-256color' } });
  let answered = false;
  let seen = '';
  child.stdout!.on('data', (d: Buffer) => {
    if (!answer || answered) return;
    seen += d.toString('utf8');
    if (answer.when.test(seen)) {
      answered = true;
      child.stdin!.write(answer.send);
    }
  });
  const out = await childOutput(child, timeoutMs);
  child.stdin!.end();
  if (out.timedOut) throw new Error(`runbook ${args.join(' ')} on a pty timed out\n${out.stdout.slice(-4000)}`);
  return { code: out.code ?? -1, stdout: out.stdout, stderr: out.stderr };
}

type Mode = 'json' | 'plain' | 'tty';
const MODES: Mode[] = ['json', 'plain', 'tty'];

/** `apply` in one output mode; the record goes to the session's runs dir */
async function apply(mode: Mode, playbook: string, inventory: string, extra: string[], opts: { yes?: boolean; answer?: { when: RegExp; send: string } } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  // runs of several modes go side by side: real runs take no lock (check runs take none anyway)
  const args = ['apply', playbook, '-i', inventory, '--runs-dir', cli.runsDir, '--lock', 'none', ...extra];
  if (opts.yes ?? true) args.push('--yes');
  const what = `apply ${playbook.split('/').pop()} ${extra.join(' ')} -o ${mode}`;
  if (mode === 'tty') {
    const r = await runTty([...args, '-vv'], opts.answer);
    record(what, r);
    return r;
  }
  const r = await runCli([...args, '-o', mode, ...(mode === 'plain' ? ['-vv'] : [])]);
  record(what, r);
  return r;
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** ANSI colour and cursor sequences out, so a secret drawn in pieces is still found */
function plainText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\r/g, '');
}

function scan(t: ExecutionContext, needles: Map<string, string>, sources: Printed[]): void {
  const hits: string[] = [];
  for (const { what, text } of sources) {
    const bodies = [text, plainText(text)];
    for (const [label, needle] of needles) {
      if (bodies.some((b) => b.includes(needle))) {
        const b = bodies.find((x) => x.includes(needle))!;
        const i = b.indexOf(needle);
        hits.push(`${label} in ${what}: …${b.slice(Math.max(0, i - 120), i + needle.length + 40)}…`);
      }
    }
  }
  // a count with a readable list: a diff of hundreds of long strings takes ava minutes to draw
  t.is(hits.length, 0, `${hits.length} secret(s) found:\n${hits.slice(0, 40).join('\n')}${hits.length > 40 ? `\n… and ${hits.length - 40} more` : ''}`);
}

/** `ps` on the member, every 200 ms until `until` settles: what any local user could read */
async function watchProcesses(sb: Sandbox, host: string, until: Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const r = await sb.hostExec(host, 'ps -eo args', { allowFail: true });
    seen.push(r.stdout);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return seen;
}

test.serial('no secret and no private key reaches a record, an output mode, history or a process list', async (t) => {
  t.timeout(20 * 60_000);
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy TLS cluster');
  const inv = sb.inventoryYaml;
  await sb.hostExec('node1', `printf '%s' ${shellQuote(secrets.host_token)} > /root/secret-scan-token; printf '%s\\n' ${shellQuote(secrets.join_token)} > /root/secret-scan-join`);

  // the -e secrets: one from a file (as docs/secrets.md advises), the rest as JSON
  const varsFile = join(cli.dir, 'secret-vars.yaml');
  writeFileSync(varsFile, `aws_secret_access_key: ${JSON.stringify(secrets.aws_secret_access_key)}\n`, { mode: 0o600 });
  const fixtureVars = (failPreflight: boolean) => [
    '-e',
    `@${varsFile}`,
    '-e',
    JSON.stringify({
      db_password: secrets.db_password,
      creds: { user: 'admin', password: secrets.creds_password },
      db_pwd: secrets.db_pwd,
      session_blob: secrets.session_blob,
      fact_seed: `fact-${tag}`,
      fail_preflight: failPreflight,
    }),
  ];

  // the first backup gives restore a snapshot to read; each mode backs up into its own dir, so
  // no mode's retention prunes another's snapshot
  const source = join(cli.dir, 'restore-source');
  mkdirSync(source, { recursive: true });
  const first = await runCli(['apply', join(repoRoot, 'playbooks/etcd-backup.yaml'), '-i', inv, '--runs-dir', cli.runsDir, '--lock', 'none', '--yes', '-o', 'json', '-e', `backup_dir=${source}`]);
  record('apply etcd-backup.yaml -o json', first);
  t.is(first.code, 0, describeRun(first));
  const snapshot = readdirSync(source).find((n) => n.endsWith('.db'));
  t.truthy(snapshot, 'the backup wrote a snapshot');

  const shipped = (mode: Mode): Array<{ file: string; extra: string[] }> => [
    { file: 'etcd-backup.yaml', extra: ['-e', `backup_dir=${join(cli.dir, `backups-${mode}`)}`, '-e', 'keep_last=2'] },
    { file: 'restore-etcd.yaml', extra: ['--check', '-e', `snapshot=${join(source, snapshot ?? 'missing.db')}`, '-e', 'healthy_timeout=5'] },
    { file: 'replace-member.yaml', extra: ['--check', '-e', 'member=node3', '-e', 'healthy_timeout=5'] },
    { file: 'etcd-maintenance.yaml', extra: ['--check', '-e', 'healthy_timeout=5'] },
    { file: 'etcd-heartbeat-tuning.yaml', extra: ['--check', '-e', 'heartbeat_interval=100', '-e', 'election_timeout=1000', '-e', 'healthy_timeout=5'] },
    // the Kubernetes-side runbooks, pointed at these hosts: no kubelet or controller-manager here,
    // so they stop in preflight, which still reads the hosts and prints what it found
    { file: 'k8s-disk-full.yaml', extra: ['--check', '-e', 'kubelet_group=etcd'] },
    { file: 'k8s-node-status-timing.yaml', extra: ['--check', '-e', 'preset=default', '-e', 'control_plane_group=etcd', '-e', 'kubelet_group=etcd'] },
  ];
  // every shipped runbook is covered: a new one must be added above
  t.deepEqual(
    readdirSync(join(repoRoot, 'playbooks')).filter((n) => n.endsWith('.yaml')).sort(),
    shipped('json').map((s) => s.file).sort(),
  );
  // the three modes side by side (check runs and --lock none take no lock), each mode's runs in turn
  await Promise.all(
    MODES.map(async (mode) => {
      for (const s of shipped(mode)) {
        const r = await apply(mode, join(repoRoot, 'playbooks', s.file), inv, s.extra);
        // a failed check run is fine; one that never reached a host is not a scan
        t.true([0, 1, 3, 6].includes(r.code), `${s.file} -o ${mode} exited ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
      }
    }),
  );
  const json = printed.filter((p) => p.what.includes('-o json') && p.what.endsWith('(stdout)'));
  const etcdTasks = json.flatMap((p) => parseEvents(p.text)).filter((e) => e.type === 'host:end' && /leader|leads|health/i.test(e.task));
  t.true(etcdTasks.length > 0, 'the runs reached tasks that talk to etcd over TLS');

  // the fixture: real runs in every mode, on a terminal answering the confirmation itself,
  // while the member's process list is read as any local user could
  const fixtureRuns = Promise.all(
    MODES.map((mode) => apply(mode, FIXTURE, inv, fixtureVars(false), mode === 'tty' ? { yes: false, answer: { when: /Proceed\?/, send: 'y\r' } } : {})),
  );
  const ps = await watchProcesses(sb, 'node1', fixtureRuns);
  for (const [i, r] of (await fixtureRuns).entries()) t.is(r.code, 0, `fixture -o ${MODES[i]}:\n${r.stdout.slice(-4000)}\n${r.stderr}`);
  t.true(ps.some((p) => /sleep 3/.test(p)), 'the process list was read while the slow steps ran');
  printed.push(...ps.map((text, i) => ({ what: `ps on node1 during the fixture runs (#${i + 1})`, text })));
  // a no_log preflight check that fails with the secret in its message
  const refused = await Promise.all(MODES.map((mode) => apply(mode, FIXTURE, inv, fixtureVars(true))));
  for (const [i, r] of refused.entries()) t.is(r.code, 3, `failing preflight -o ${MODES[i]}: ${r.stdout.slice(-3000)}`);
  // the fixture run with -o json did run the tasks that use each secret
  const fixtureJson = printed.find((p) => p.what.startsWith('apply secrets.yaml') && p.what.includes('-o json') && p.what.endsWith('(stdout)'))!;
  const names = parseEvents(fixtureJson.text).filter((e) => e.type === 'host:end' && e.phase === 'task').map((e) => (e as { task: string }).task);
  t.true(names.includes('Print the join token') && names.includes('Print the secret built at run time'), names.join(', '));

  // plan, and every view history gives of the records
  const planArgs = ['plan', FIXTURE, '-i', inv, ...fixtureVars(false)];
  for (const args of [planArgs, [...planArgs, '--json']]) record(`runbook ${args.slice(0, 2).join(' ')} ${args.includes('--json') ? '--json' : ''}`, await runCli(args));
  const history = await runCli(['history', '--runs-dir', cli.runsDir, '--json', '-n', '100']);
  record('history --json', history);
  record('history', await runCli(['history', '--runs-dir', cli.runsDir, '-n', '100']));
  const runs = JSON.parse(history.stdout) as Array<{ runId: string; playbook: string }>;
  t.is(runs.length, 1 + shipped('json').length * MODES.length + 2 * MODES.length, `history lists every run`);
  // every run as `history show -v` tells it; the fixture's in every form
  const shows = runs.flatMap((run) => (run.playbook.endsWith('secrets.yaml') ? [['-v'], [], ['--json']] : [['-v']]).map((extra) => [run.runId, ...extra]));
  await inParallel(shows, 4, async ([id, ...extra]) => record(`history show ${id} ${extra.join(' ')}`, await runCli(['history', 'show', id!, '--runs-dir', cli.runsDir, ...extra])));

  const written = filesUnder(cli.runsDir).map((f) => ({ what: f, text: readFileSync(f, 'utf8') }));
  t.true(written.some((w) => w.what.endsWith('summary.json')));

  const needles = new Map<string, string>();
  for (const [name, value] of Object.entries(secrets)) {
    for (const [how, form] of encodings(String(value))) needles.set(`${name} (${how})`, form);
  }
  needles.set('a private key', 'PRIVATE KEY');
  // a line from the body of the client key the members hold, in case it travels without its armour
  const keyLines = readFileSync(sb.tlsFiles!.key, 'utf8').split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
  t.true(keyLines.length > 0);
  needles.set('the etcd client key', keyLines[0]!);
  scan(t, needles, [...printed, ...written]);
});

export type { CliResult };
