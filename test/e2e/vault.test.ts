/**
 * Ansible Vault through the built command line: a playbook whose values come from every place
 * a vault text can be (an inline `!vault` in the inventory and in host_vars, a group_vars file,
 * a vars_files file and an -e @file, all written by the real ansible-vault; see
 * test/fixtures/vault/make.sh) runs, uses the values, and shows none of them anywhere: not in
 * its output (json, plain -vv), its record, `history`, `plan` or `inventory`.
 *
 * Decryption happens on the controller only, so the one host is the controller itself
 * (`ansible_connection: local`): no remote side is involved or imitated.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { CliSession, describeRun, repoRoot, runCli } from '../helpers/runbook-cli.js';

const V = join(repoRoot, 'test/fixtures/vault');
const SECRETS = ['vault-inline-secret-93ab', 'vault-host-secret-51c0', 'vault-group-secret-7d1f', 'vault-varsfile-secret-2e44', 'vault-extra-secret-c3d9'];
const session = new CliSession('runbook-e2e-vault-');
test.after(() => session.remove());

const passwords = ['--vault-id', `prod@${V}/prod-pass.txt`, '--vault-password-file', `${V}/default-pass.txt`];

function applyArgs(outFile: string, output: string[], more: string[] = []): string[] {
  return [
    'apply', join(V, 'playbook.yaml'), '-i', join(V, 'inventory/hosts.yaml'),
    '-e', `@${V}/vars/extra.yml`, '-e', `out_file=${outFile}`,
    '--runs-dir', session.runsDir, '--locks-dir', session.locksDir, '--yes', ...output, ...more,
  ];
}

/** every file under the runs dir, as one text */
function runRecords(): string {
  if (!existsSync(session.runsDir)) return '';
  return readdirSync(session.runsDir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => readFileSync(join(d.parentPath, d.name), 'utf8'))
    .join('\n');
}

function assertNoSecret(t: import('ava').ExecutionContext, where: string, text: string): void {
  for (const s of SECRETS) {
    t.false(text.includes(s), `${s} shown in ${where}`);
    t.false(text.includes(Buffer.from(s).toString('base64').replace(/=+$/, '')), `${s} (base64) shown in ${where}`);
  }
}

test.serial('a run with vault values from every place: they are used, and shown nowhere', async (t) => {
  const outFile = join(session.dir, 'out-json.txt');
  const json = await runCli(applyArgs(outFile, ['-o', 'json'], passwords));
  t.is(json.code, 0, describeRun(json));
  // the task got the decrypted values: the file it wrote holds each of them
  t.deepEqual(readFileSync(outFile, 'utf8').trim().split('\n'), SECRETS);
  const shown = json.events.find((e) => e.type === 'output' || (e.type === 'host:end' && e.task === 'show the values'));
  t.truthy(shown, 'the debug task ran');
  t.true(json.stdout.includes('********'), 'the values were masked, not missing');
  t.true(json.stdout.includes('visible-value'), 'a value that was not encrypted is shown');
  assertNoSecret(t, 'apply -o json', json.stdout + json.stderr);

  const plain = await runCli(applyArgs(join(session.dir, 'out-plain.txt'), ['-o', 'plain', '-vv'], passwords));
  t.is(plain.code, 0, plain.stderr);
  assertNoSecret(t, 'apply -o plain -vv', plain.stdout + plain.stderr);

  assertNoSecret(t, 'the run records', runRecords());
  const runId = json.start!.runId;
  for (const args of [['history'], ['history', '--json'], ['history', 'show', runId, '-v'], ['history', 'show', runId, '--json']]) {
    const r = await runCli([...args, '--runs-dir', session.runsDir]);
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assertNoSecret(t, args.join(' '), r.stdout + r.stderr);
  }
});

test.serial('plan and inventory read the vault too, and print no value from it', async (t) => {
  const plan = await runCli(['plan', join(V, 'playbook.yaml'), '-i', join(V, 'inventory/hosts.yaml'), '-e', `@${V}/vars/extra.yml`, '-e', 'out_file=/tmp/x', ...passwords]);
  t.is(plan.code, 0, plan.stderr);
  t.regex(plan.stdout, /printf '%s\\n' \*{8} \*{8} \*{8} \*{8} \*{8}/);
  assertNoSecret(t, 'plan', plan.stdout + plan.stderr);
  const inv = await runCli(['inventory', '-i', join(V, 'inventory/hosts.yaml'), '--list', ...passwords]);
  t.is(inv.code, 0, inv.stderr);
  t.regex(inv.stdout, /"vault_greeting": "\*{8}"/);
  t.regex(inv.stdout, /"plain_setting": "visible-value"/);
  assertNoSecret(t, 'inventory --list', inv.stdout + inv.stderr);
  const validate = await runCli(['validate', join(V, 'playbook.yaml'), '-i', join(V, 'inventory/hosts.yaml'), '-e', `@${V}/vars/extra.yml`, '-e', 'out_file=/tmp/x', ...passwords]);
  t.is(validate.code, 0, validate.stdout);
});

test.serial('ANSIBLE_VAULT_PASSWORD_FILE gives the default password', async (t) => {
  const outFile = join(session.dir, 'out-env.txt');
  process.env.ANSIBLE_VAULT_PASSWORD_FILE = `${V}/default-pass.txt`;
  try {
    const r = await runCli(applyArgs(outFile, ['-o', 'json'], ['--vault-id', `prod@${V}/prod-pass.txt`]));
    t.is(r.code, 0, describeRun(r));
    t.is(readFileSync(outFile, 'utf8').trim().split('\n').length, SECRETS.length);
  } finally {
    delete process.env.ANSIBLE_VAULT_PASSWORD_FILE;
  }
});

test.serial('a wrong or missing password: exit 2 at load time naming the file, nothing run, nothing recorded', async (t) => {
  const outFile = join(session.dir, 'out-wrong.txt');
  rmSync(session.runsDir, { recursive: true, force: true });
  const wrong = await runCli(applyArgs(outFile, ['-o', 'json'], ['--vault-id', `prod@${V}/prod-pass.txt`, '--vault-password-file', `${V}/wrong-pass.txt`]));
  t.is(wrong.code, 2, describeRun(wrong));
  t.regex(wrong.stderr, /(host_vars\/node1\.yml:1:1: cannot decrypt `host_value`|group_vars\/app\/vault\.yml:1:1: cannot decrypt this file|vars\/extra\.yml:1:1: cannot decrypt this file)/);
  t.regex(wrong.stderr, /tried prod from --vault-id .*prod-pass\.txt, default from --vault-password-file .*wrong-pass\.txt/);
  t.false(wrong.stderr.includes('not the password'), 'the password tried is not printed');
  t.is(wrong.events.length, 0);
  t.false(existsSync(outFile));
  t.false(existsSync(session.runsDir), 'no run was recorded');

  const none = await runCli(applyArgs(outFile, ['-o', 'json']));
  t.is(none.code, 2);
  // the inventory, its vars files and the -e file are read at once: whichever is first is reported
  t.regex(none.stderr, /(hosts\.yaml:7:11: `inline_value` \(`!vault`\)|extra\.yml:1:1: this file) is encrypted with ansible-vault.*, and no vault password was given/);
  t.regex(none.stderr, /--vault-password-file FILE/);

  const ask = await runCli(applyArgs(outFile, ['-o', 'json'], ['--ask-vault-pass']));
  t.is(ask.code, 2);
  t.regex(ask.stderr, /--ask-vault-pass asks for the vault password, but there is no terminal/);
  t.false(existsSync(outFile));
});

test.serial("Ansible's other spellings: --vault-pass-file, -J and --ask-vault-password", async (t) => {
  const inv = ['inventory', '-i', join(V, 'inventory/hosts.yaml'), '--host', 'node1', '--vault-id', `prod@${V}/prod-pass.txt`];
  const alias = await runCli([...inv, '--vault-pass-file', `${V}/default-pass.txt`]);
  t.is(alias.code, 0, alias.stderr);
  t.regex(alias.stdout, /"vault_greeting": "\*{8}"/);
  for (const flag of ['-J', '--ask-vault-password']) {
    const r = await runCli([...inv, flag]);
    t.is(r.code, 2, flag);
    t.regex(r.stderr, /--ask-vault-pass asks for the vault password, but there is no terminal/, flag);
  }
});

test.serial('--ask-vault-pass on a real terminal: asked once, typed, masked, and the run uses it', async (t) => {
  const { Screen } = await import('../helpers/terminal.js');
  const s = new Screen('vault-ask', { cols: 120, rows: 30 });
  try {
    const outFile = join(session.dir, 'out-ask.txt');
    s.startCli(applyArgs(outFile, ['-o', 'plain'], ['--vault-id', `prod@${V}/prod-pass.txt`, '--ask-vault-pass']));
    await s.waitFor(/Vault password:/, 120_000);
    s.send('-l', 'correct horse battery staple');
    s.send('Enter');
    const code = await s.waitForExit(120_000);
    const out = s.output();
    t.is(code, 0, out);
    t.is(readFileSync(outFile, 'utf8').trim().split('\n').length, SECRETS.length);
    t.false(out.includes('correct horse'), 'the typed password is not echoed');
    assertNoSecret(t, 'the terminal', out);
  } finally {
    s.close();
  }
});
