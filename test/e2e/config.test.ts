/**
 * ansible.cfg through the built command line: found in the current directory, its settings
 * fill what the command line left out (inventory, vault password file, runs dir, output) and
 * lose to what it gave; `runbook config` says where each came from. The playbook's one host is
 * the controller (`ansible_connection: local`): what is tested here happens on the controller.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { childOutput } from '../helpers/child-output.js';
import { cliCommand, parseEvents, repoRoot } from '../helpers/runbook-cli.js';

const V = join(repoRoot, 'test/fixtures/vault');

async function runIn(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANSIBLE_') && !/^RUNBOOK_(RUNS_DIR|OUTPUT|KNOWN_HOSTS|SSH_CONFIG)$/.test(k)));
  const child = spawn(process.execPath, [...cliCommand(), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...clean, HOME: cwd, NO_COLOR: '1', ...env } });
  const r = await childOutput(child, 120_000);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

function project(cfg: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-e2e-config-'));
  writeFileSync(join(dir, 'ansible.cfg'), cfg);
  return dir;
}

const CFG = `[defaults]
inventory = ${V}/inventory/hosts.yaml
vault_password_file = ${V}/default-pass.txt
vault_identity_list = prod@${V}/prod-pass.txt
forks = 3
gathering = explicit

[runbook]
runs_dir = records
output = json
`;

test('ansible.cfg in the current directory: inventory, vault passwords, runs dir and output come from it', async (t) => {
  const dir = project(CFG);
  const out = join(dir, 'out.txt');
  const r = await runIn(dir, ['apply', join(V, 'playbook.yaml'), '-e', `@${V}/vars/extra.yml`, '-e', `out_file=${out}`, '--yes', '--locks-dir', join(dir, 'locks')]);
  t.is(r.code, 0, r.stderr);
  t.true(existsSync(out), 'the vaulted values were decrypted with the passwords the file named');
  const events = parseEvents(r.stdout);
  t.true(events.some((e) => e.type === 'run:end'), 'output = json: events on stdout');
  t.is(readdirSync(join(dir, 'records')).length, 1, 'runs_dir = records, relative to the file');
  t.false(r.stdout.includes('vault-group-secret-7d1f'));

  // the command line beats the file
  const plain = await runIn(dir, ['apply', join(V, 'playbook.yaml'), '-e', `@${V}/vars/extra.yml`, '-e', `out_file=${out}`, '--yes', '-o', 'plain', '--runs-dir', join(dir, 'elsewhere'), '--locks-dir', join(dir, 'locks')]);
  t.is(plain.code, 0, plain.stderr);
  t.is(parseEvents(plain.stdout).length, 0);
  t.regex(plain.stdout, /run succeeded/);
  t.true(existsSync(join(dir, 'elsewhere')));
  t.is(readdirSync(join(dir, 'records')).length, 1);
});

test('runbook config shows each setting and where it came from; ANSIBLE_CONFIG and the environment win', async (t) => {
  const dir = project(CFG);
  const r = await runIn(dir, ['config'], { ANSIBLE_FORKS: '8' });
  t.is(r.code, 0, r.stderr);
  const cfg = join(dir, 'ansible.cfg');
  t.regex(r.stdout, new RegExp(`^config file: ${cfg}$`, 'm'));
  t.regex(r.stdout, new RegExp(`^inventory\\(${cfg}:2\\) = ${V}/inventory/hosts\\.yaml$`, 'm'));
  t.regex(r.stdout, /^forks\(env: ANSIBLE_FORKS\) = 8$/m);
  t.regex(r.stdout, new RegExp(`^runs_dir\\(${cfg}:9\\) = ${dir}/records$`, 'm'));
  t.regex(r.stdout, /not used by runbook \(Ansible's own\): \[defaults\] gathering/);
  t.notRegex(r.stdout, /^timeout/m, 'only what was changed, unless --all');
  const all = await runIn(dir, ['config', '--all']);
  t.regex(all.stdout, /^timeout\(default\) = 10$/m);

  const other = project('[defaults]\nforks = 5\n');
  const viaEnv = await runIn(dir, ['config'], { ANSIBLE_CONFIG: join(other, 'ansible.cfg') });
  t.regex(viaEnv.stdout, new RegExp(`^forks\\(${other}/ansible\\.cfg:2\\) = 5$`, 'm'));
});

test("a world-writable directory's ansible.cfg is ignored, with a warning", async (t) => {
  const dir = project(CFG);
  chmodSync(dir, 0o777);
  const r = await runIn(dir, ['inventory', '--graph']);
  t.is(r.code, 2);
  t.regex(r.stderr, /world-writable: its ansible\.cfg is ignored, as Ansible ignores it/);
  t.regex(r.stderr, /no inventory given \(pass -i INVENTORY, or set `inventory` in ansible\.cfg/);
});

test('an unknown key in [runbook] stops the command with its line and a suggestion', async (t) => {
  const dir = project('[runbook]\nrun_dir = x\n');
  const r = await runIn(dir, ['inventory', '-i', `${V}/inventory/hosts.yaml`, '--graph']);
  t.is(r.code, 2);
  t.regex(r.stderr, /ansible\.cfg:2:1: \[runbook\] has no setting `run_dir`; did you mean `runs_dir`\?/);
});
