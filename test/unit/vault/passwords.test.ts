/** Where vault passwords come from, in Ansible's order, and which one opens which text. */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError } from '../../../src/errors.js';
import { loadVaultPasswords, splitVaultId } from '../../../src/vault/passwords.js';
import { DEFAULT_PASSWORD, keyring, PROD_PASSWORD, tempDir, VAULT_FIXTURES } from './vault-helpers.js';

const fx = (p: string) => join(VAULT_FIXTURES, p);
const text = (p: string) => readFileSync(fx(p), 'utf8');
const here = { file: 'f.yml', line: 2, col: 3 };
const noEnv = {};

test('--vault-id label@source, and a bare source is the default id', (t) => {
  t.deepEqual(splitVaultId('prod@/etc/pw'), { id: 'prod', source: '/etc/pw' });
  t.deepEqual(splitVaultId('/etc/pw'), { id: 'default', source: '/etc/pw' });
  t.deepEqual(splitVaultId('@prompt'), { id: 'default', source: 'prompt' });
  t.deepEqual(splitVaultId('dev@prompt'), { id: 'dev', source: 'prompt' });
});

test("Ansible's order: identity list, --vault-id, --vault-password-file, the default file, the prompt", async (t) => {
  const asked: string[] = [];
  const k = await loadVaultPasswords({
    vaultIds: [`prod@${fx('prod-pass.txt')}`],
    passwordFiles: [fx('wrong-pass.txt')],
    askVaultPass: true,
    configIdentityList: [`ops@${fx('default-pass.txt')}`],
    env: { ANSIBLE_VAULT_PASSWORD_FILE: fx('default-pass.txt') },
    prompt: async (q) => (asked.push(q), 'typed'),
  });
  t.deepEqual(k.passwords.map((p) => [p.id, p.source.replaceAll(VAULT_FIXTURES, ''), p.password.toString()]), [
    ['ops', 'vault_identity_list default-pass.txt', DEFAULT_PASSWORD],
    ['prod', '--vault-id prod-pass.txt', PROD_PASSWORD],
    ['default', '--vault-password-file wrong-pass.txt', 'not the password'],
    ['default', 'ANSIBLE_VAULT_PASSWORD_FILE default-pass.txt', DEFAULT_PASSWORD],
    ['default', 'prompt', 'typed'],
  ]);
  t.deepEqual(asked, ['Vault password:']);
});

test('ANSIBLE_VAULT_PASSWORD_FILE wins over the config file; the file is stripped of whitespace', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'spaced'), '  pw with inner space \n\n');
  const k = await loadVaultPasswords({ configPasswordFile: fx('wrong-pass.txt'), env: { ANSIBLE_VAULT_PASSWORD_FILE: join(dir, 'spaced') } });
  t.deepEqual(k.passwords.map((p) => p.password.toString()), ['pw with inner space']);
  const fromConfig = await loadVaultPasswords({ configPasswordFile: fx('wrong-pass.txt'), env: noEnv });
  t.deepEqual(fromConfig.passwords.map((p) => p.source), [`vault_password_file ${fx('wrong-pass.txt')}`]);
});

test('an executable password file is a script; a *-client script is asked for its vault id', async (t) => {
  const dir = tempDir();
  const script = join(dir, 'get-pass.sh');
  writeFileSync(script, '#!/bin/sh\necho "from-script"\n');
  chmodSync(script, 0o700);
  const client = join(dir, 'vault-client.sh');
  writeFileSync(client, '#!/bin/sh\n[ "$1" = --vault-id ] || exit 9\n[ "$2" = prod ] && { echo "client-$2"; exit 0; }\nexit 2\n');
  chmodSync(client, 0o700);
  const k = await loadVaultPasswords({ passwordFiles: [script], vaultIds: [`prod@${client}`], env: noEnv });
  t.deepEqual(k.passwords.map((p) => [p.id, p.password.toString()]), [['prod', 'client-prod'], ['default', 'from-script']]);
  const err = await t.throwsAsync(loadVaultPasswords({ vaultIds: [`dev@${client}`], env: noEnv }), { instanceOf: ConfigError });
  t.regex(err!.message, /has no secret for vault id `dev`/);
  writeFileSync(script, '#!/bin/sh\nexit 3\n');
  const failed = await t.throwsAsync(loadVaultPasswords({ passwordFiles: [script], env: noEnv }), { instanceOf: ConfigError });
  t.regex(failed!.message, /the vault password script failed \(exit 3\)/);
});

test('a missing or empty password file, or a prompt with no terminal, is an error before anything is read', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'empty'), '\n');
  await t.throwsAsync(loadVaultPasswords({ passwordFiles: [join(dir, 'nope')], env: noEnv }), { instanceOf: ConfigError, message: /no such vault password file/ });
  await t.throwsAsync(loadVaultPasswords({ passwordFiles: [join(dir, 'empty')], env: noEnv }), { instanceOf: ConfigError, message: /the vault password is empty/ });
  const err = await t.throwsAsync(loadVaultPasswords({ askVaultPass: true, env: noEnv }), { instanceOf: ConfigError });
  t.regex(err!.message, /--ask-vault-pass asks for the vault password, but there is no terminal/);
  t.regex(err!.hint ?? err!.message, /--vault-password-file/);
});

test('a labelled text tries its own id first, then every other password', (t) => {
  // the label is a hint, not a lock: ansible-core tries the others too
  const k = keyring(['default', 'nope'], ['other', PROD_PASSWORD]);
  t.is(k.decrypt(text('vars/vaulted-vars.yml'), here), 'vars_file_value: vault-varsfile-secret-2e44\n');
  t.is(keyring(['prod', PROD_PASSWORD]).decrypt(text('vars/vaulted-vars.yml'), here), 'vars_file_value: vault-varsfile-secret-2e44\n');
});

test('no password, or none that opens it: a ConfigError at its place naming what was tried', (t) => {
  const none = t.throws(() => keyring().decrypt(text('vars/vaulted-vars.yml'), here, '`vars/vaulted-vars.yml`'), { instanceOf: ConfigError });
  t.is(none!.message.split(' (')[0], 'f.yml:2:3: `vars/vaulted-vars.yml` is encrypted with ansible-vault');
  t.regex(none!.message, /vault id `prod`\), and no vault password was given/);
  const wrong = t.throws(() => keyring(['default', 'nope']).decrypt(text('vars/vaulted-vars.yml'), here, 'it'), { instanceOf: ConfigError });
  t.regex(wrong!.message, /^f\.yml:2:3: cannot decrypt it \(vault id `prod`\): no vault password given opens it \(tried default from test default\)/);
  t.regex(wrong!.message, /--vault-id prod@FILE/);
  t.false(wrong!.message.includes('nope'));
});

test('the keyring reveals nothing by itself; callers reveal what they read', (t) => {
  const k = keyring(['default', DEFAULT_PASSWORD]);
  k.decrypt(text('vars/extra.yml'), here);
  t.deepEqual(k.revealed, []);
});
