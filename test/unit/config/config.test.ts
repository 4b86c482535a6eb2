/** ansible.cfg: where it is found, how it is read, what each setting becomes, and where it came from. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { effectiveDefaults } from '../../../src/cli/config-defaults.js';
import { findAnsibleConfig } from '../../../src/config/find.js';
import { parseAnsibleIni } from '../../../src/config/ini.js';
import { loadSettings } from '../../../src/config/settings.js';
import { mapSshArgs } from '../../../src/config/ssh-args.js';
import { ConfigError } from '../../../src/errors.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'runbook-config-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** a search that sees only this tree: no real ~/.ansible.cfg or /etc/ansible */
function where(root: string, env: NodeJS.ProcessEnv = {}) {
  return { env, cwd: join(root, 'work'), home: join(root, 'home'), systemFile: join(root, 'etc/ansible.cfg') };
}

test("configparser's syntax: sections, = and :, comments, continuation lines, case-insensitive keys", (t) => {
  const ini = parseAnsibleIni('# top\n[defaults]\nForks = 5 ; five\nremote_user: deploy\n; gone = 1\n[ssh_connection]\nssh_args = -C\n  -o ConnectTimeout=3\n', 'a.cfg');
  t.deepEqual(ini.get('defaults')?.get('forks'), { value: '5', line: 3, col: 1 });
  t.is(ini.get('defaults')?.get('remote_user')?.value, 'deploy');
  t.false(ini.get('defaults')?.has('gone'));
  t.is(ini.get('ssh_connection')?.get('ssh_args')?.value, '-C\n-o ConnectTimeout=3');
  const err = t.throws(() => parseAnsibleIni('forks = 5\n[defaults]\njunk\n', 'b.cfg'), { instanceOf: ConfigError });
  t.regex(err!.message, /b\.cfg:1:1: `forks` is outside any \[section\]/);
  t.regex(err!.message, /b\.cfg:3:1: not a setting: `junk`/);
});

test("Ansible's search order: ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg", (t) => {
  const root = tree({ 'work/ansible.cfg': '', 'home/.ansible.cfg': '', 'etc/ansible.cfg': '', 'env/ansible.cfg': '', 'env/other.cfg': '' });
  t.is(findAnsibleConfig(where(root, { ANSIBLE_CONFIG: join(root, 'env/other.cfg') })).path, join(root, 'env/other.cfg'));
  // a directory in ANSIBLE_CONFIG means its ansible.cfg
  t.is(findAnsibleConfig(where(root, { ANSIBLE_CONFIG: join(root, 'env') })).path, join(root, 'env/ansible.cfg'));
  t.is(findAnsibleConfig(where(root)).path, join(root, 'work/ansible.cfg'));
  const noCwd = tree({ 'work/x': '', 'home/.ansible.cfg': '', 'etc/ansible.cfg': '' });
  t.is(findAnsibleConfig(where(noCwd)).path, join(noCwd, 'home/.ansible.cfg'));
  const onlyEtc = tree({ 'work/x': '', 'etc/ansible.cfg': '' });
  t.is(findAnsibleConfig(where(onlyEtc)).path, join(onlyEtc, 'etc/ansible.cfg'));
  t.is(findAnsibleConfig(where(tree({ 'work/x': '' }))).path, undefined);
});

test('a world-writable current directory: its ansible.cfg is skipped, with a warning saying why', (t) => {
  const root = tree({ 'work/ansible.cfg': '[defaults]\nforks = 99\n', 'home/.ansible.cfg': '[defaults]\nforks = 2\n' });
  chmodSync(join(root, 'work'), 0o777);
  const found = findAnsibleConfig(where(root));
  t.is(found.path, join(root, 'home/.ansible.cfg'));
  t.is(found.warnings.length, 1);
  t.regex(found.warnings[0]!, /world-writable: its ansible\.cfg is ignored, as Ansible ignores it/);
  t.is(loadSettings(where(root)).settings.get('forks')?.value, 2);
  // named in ANSIBLE_CONFIG, it is used, and no warning is needed
  const named = findAnsibleConfig(where(root, { ANSIBLE_CONFIG: join(root, 'work/ansible.cfg') }));
  t.is(named.path, join(root, 'work/ansible.cfg'));
  t.deepEqual(named.warnings, []);
});

test('settings: typed, paths relative to the file, each with its origin; the environment beats the file', (t) => {
  const root = tree({
    'work/ansible.cfg': '[defaults]\ninventory = inv/hosts.yaml, /abs/other.ini\nforks = 4\nhost_key_checking = False\nprivate_key_file = ~/.ssh/lab\ntimeout: 7\ngathering = smart\n[runbook]\noutput = json\nruns_dir = records\n',
  });
  const s = loadSettings(where(root, { ANSIBLE_FORKS: '12', RUNBOOK_RUNS_DIR: '/var/runs' }));
  const cfg = join(root, 'work/ansible.cfg');
  t.is(s.file, cfg);
  t.deepEqual(s.settings.get('inventory'), { def: s.settings.get('inventory')!.def, value: [join(root, 'work/inv/hosts.yaml'), '/abs/other.ini'], origin: `${cfg}:2` });
  t.like(s.settings.get('forks'), { value: 12, origin: 'env: ANSIBLE_FORKS' });
  t.like(s.settings.get('host_key_checking'), { value: false, origin: `${cfg}:4` });
  t.regex(String(s.settings.get('private_key_file')?.value), /^\/.*\/\.ssh\/lab$/);
  t.like(s.settings.get('timeout'), { value: 7 });
  t.like(s.settings.get('output'), { value: 'json', origin: `${cfg}:9` });
  t.like(s.settings.get('runs_dir'), { value: '/var/runs', origin: 'env: RUNBOOK_RUNS_DIR' });
  t.deepEqual(s.ignored, ['[defaults] gathering']);
  const d = effectiveDefaults(s);
  t.like(d, { forks: 12, acceptNewHostKeys: true, connectTimeout: 7, output: 'json' });
});

test('a bad value, or an unknown [runbook] key, is an error at its line; unknown Ansible keys are not', (t) => {
  const bad = tree({ 'work/ansible.cfg': '[defaults]\nforks = many\nhost_key_checking = maybe\nbecome_method = sudo\n[runbook]\nrun_dir = x\n' });
  const err = t.throws(() => loadSettings(where(bad)), { instanceOf: ConfigError });
  t.regex(err!.message, /ansible\.cfg:2:1: \[defaults\] forks: must be a whole number of at least 1, got `many`/);
  t.regex(err!.message, /ansible\.cfg:3:1: \[defaults\] host_key_checking: must be true or false, got `maybe`/);
  t.regex(err!.message, /ansible\.cfg:6:1: \[runbook\] has no setting `run_dir`; did you mean `runs_dir`\?/);
  t.notRegex(err!.message, /become_method/);
  t.throws(() => loadSettings(where(tree({ 'work/x': '' }), { RUNBOOK_OUTPUT: 'xml' })), { message: /RUNBOOK_OUTPUT: must be tty, plain or json/ });
});

test('ssh_args: what maps, what is dropped silently (Ansible defaults), what is reported', (t) => {
  t.deepEqual(mapSshArgs('-C -o ControlMaster=auto -o ControlPersist=60s'), { unused: [] });
  t.deepEqual(mapSshArgs('-F /etc/ssh/lab.conf -o UserKnownHostsFile=/etc/kh -oStrictHostKeyChecking=accept-new -o "ConnectTimeout 5" -l ops -i ~/.ssh/k -o ServerAliveInterval=5 -4'), {
    sshConfig: '/etc/ssh/lab.conf',
    knownHosts: '/etc/kh',
    acceptNewHostKeys: true,
    connectTimeout: 5,
    user: 'ops',
    privateKey: '~/.ssh/k',
    unused: ['-o ServerAliveInterval=5', '-4'],
  });
  t.like(mapSshArgs('-o StrictHostKeyChecking=yes'), { acceptNewHostKeys: false });
});

test('a direct setting beats the same thing read from ssh_args', (t) => {
  const root = tree({ 'work/ansible.cfg': '[defaults]\nremote_user = direct\n[ssh_connection]\nssh_args = -l fromargs -o ConnectTimeout=4\n' });
  t.like(effectiveDefaults(loadSettings(where(root))), { user: 'direct', connectTimeout: 4 });
});

test('a world-writable current directory with no other config file still warns', (t) => {
  const root = tree({ 'work/ansible.cfg': '' });
  chmodSync(join(root, 'work'), 0o777);
  const found = findAnsibleConfig(where(root));
  t.is(found.path, undefined);
  t.is(found.warnings.length, 1);
});
