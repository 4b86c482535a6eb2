/**
 * Vault texts wherever Ansible reads them, from files the real ansible-vault wrote
 * (test/fixtures/vault/make.sh): an inline `!vault` in an inventory and in host_vars, a
 * group_vars file, an inventory, a vars_files file and an -e @file encrypted whole. Everything
 * decrypted is revealed to the keyring (the run's redactor takes it from there); nothing else is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { Secrets } from '../../../src/engine/redact.js';
import { loadVarsFiles } from '../../../src/engine/vars-files.js';
import { withoutVaultSecrets } from '../../../src/cli/vault-options.js';
import { loadInputs } from '../../../src/cli/load-inputs.js';
import { ConfigError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { parsePlaybook } from '../../../src/playbook/load.js';
import { parseExtraVars } from '../../../src/vars/extra-vars.js';
import { DEFAULT_PASSWORD, fixtureKeyring, keyring, VAULT_FIXTURES } from './vault-helpers.js';

const fx = (p: string) => join(VAULT_FIXTURES, p);
const SECRETS = ['vault-inline-secret-93ab', 'vault-host-secret-51c0', 'vault-group-secret-7d1f', 'multi word vault note'];

function revealedText(k: { revealed: readonly unknown[] }): string {
  return JSON.stringify(k.revealed);
}

test('an inventory with an inline !vault (1.2, id prod), host_vars !vault and a group_vars file encrypted whole', async (t) => {
  const vault = fixtureKeyring();
  const inv = await loadInventory([fx('inventory/hosts.yaml')], { vault });
  t.like(inv.varsFor('node1'), {
    inline_value: 'vault-inline-secret-93ab',
    host_value: 'vault-host-secret-51c0',
    vault_greeting: 'vault-group-secret-7d1f',
    vault_note: 'multi word vault note',
    plain_setting: 'visible-value',
  });
  for (const s of SECRETS) t.true(revealedText(vault).includes(s), s);
  // only what was encrypted is a secret
  t.false(revealedText(vault).includes('visible-value'));
  t.false(revealedText(vault).includes('node1'));
});

test('without a password: the first vault text is an error at its key, and the message says how to give one', async (t) => {
  const err = await t.throwsAsync(loadInventory([fx('inventory/hosts.yaml')]), { instanceOf: ConfigError });
  t.regex(err!.message, /hosts\.yaml:7:11: `inline_value` \(`!vault`\) is encrypted with ansible-vault \(vault id `prod`\), and no vault password was given/);
  t.regex(err!.message, /--vault-password-file FILE, --vault-id LABEL@FILE, --ask-vault-pass/);
});

test('a wrong password for the group_vars file: an error naming that file, with no value in it', async (t) => {
  const vault = keyring(['prod', 'prod-vault-password'], ['default', 'not the password']);
  const err = await t.throwsAsync(loadInventory([fx('inventory/hosts.yaml')], { vault }), { instanceOf: ConfigError });
  // host_vars/node1.yml and group_vars/app/vault.yml both need the default password; the first read is reported
  t.regex(err!.message, /(group_vars\/app\/vault\.yml:1:1: cannot decrypt this file|host_vars\/node1\.yml:1:1: cannot decrypt `host_value`)/);
  t.regex(err!.message, /no vault password given opens it \(tried prod from test prod, default from test default\)/);
  for (const s of SECRETS.slice(1)) t.false(err!.message.includes(s));
});

test('an INI inventory encrypted whole: its variables are secrets, its host names are not', async (t) => {
  const vault = keyring(['default', DEFAULT_PASSWORD]);
  const inv = await loadInventory([fx('encrypted-hosts.ini')], { vault });
  t.deepEqual(inv.select('app'), ['node2']);
  t.is(inv.varsFor('node2').ini_value, 'vault-ini-secret-0a7e');
  t.true(revealedText(vault).includes('vault-ini-secret-0a7e'));
  t.false(revealedText(vault).includes('node2'));
});

test('-e @file encrypted whole', async (t) => {
  const vault = keyring(['default', DEFAULT_PASSWORD]);
  t.deepEqual(await parseExtraVars([`@${fx('vars/extra.yml')}`], { vault }), { extra_value: 'vault-extra-secret-c3d9' });
  t.true(revealedText(vault).includes('vault-extra-secret-c3d9'));
  await t.throwsAsync(parseExtraVars([`@${fx('vars/extra.yml')}`]), { instanceOf: ConfigError, message: /extra\.yml:1:1: this file is encrypted with ansible-vault, and no vault password was given/ });
});

test('a vars_files file encrypted whole, at validation and at run time', async (t) => {
  const vault = fixtureKeyring();
  t.deepEqual(loadVarsFiles(['vars/vaulted-vars.yml'], fx('playbook.yaml'), {}, vault), { vars_file_value: 'vault-varsfile-secret-2e44' });
  t.true(revealedText(vault).includes('vault-varsfile-secret-2e44'));
  const err = t.throws(() => loadVarsFiles(['vars/vaulted-vars.yml'], fx('playbook.yaml'), {}, keyring(['default', DEFAULT_PASSWORD])), { instanceOf: ConfigError });
  t.regex(err!.message, /vaulted-vars\.yml:1:1: cannot decrypt this file \(vault id `prod`\)/);
  t.regex(err!.message, /--vault-id prod@FILE/);
});

test("a !vault value in a play's vars", (t) => {
  // the value text ansible-vault encrypt_string wrote into host_vars/node1.yml
  const hostVars = readFileSync(fx('inventory/host_vars/node1.yml'), 'utf8');
  const block = hostVars.slice(hostVars.indexOf('!vault'));
  const vault = keyring(['default', DEFAULT_PASSWORD]);
  const pb = parsePlaybook(`- hosts: all\n  vars:\n    from_vault: ${block.replace(/\n {10}/g, '\n      ')}  tasks: []\n`, 'pb.yaml', vault);
  t.is(pb.plays[0]!.vars.from_vault, 'vault-host-secret-51c0');
  t.true(revealedText(vault).includes('vault-host-secret-51c0'));
});

test('loadInputs: the whole set, and a wrong password stops everything before a run', async (t) => {
  const args = [fx('playbook.yaml'), [fx('inventory/hosts.yaml')], [`@${fx('vars/extra.yml')}`, 'out_file=/nonexistent']] as const;
  const vault = fixtureKeyring();
  const inputs = await loadInputs(args[0], [...args[1]], [...args[2]], vault);
  t.is(inputs.extraVars.extra_value, 'vault-extra-secret-c3d9');
  for (const s of [...SECRETS, 'vault-varsfile-secret-2e44', 'vault-extra-secret-c3d9']) t.true(revealedText(vault).includes(s), s);
  await t.throwsAsync(loadInputs(args[0], [...args[1]], [...args[2]], keyring(['default', 'wrong'])), { instanceOf: ConfigError, message: /cannot decrypt/ });
});

test('an error whose message quotes a decrypted value is printed without it', (t) => {
  const vault = keyring();
  vault.reveal({ token_like: 'vault-quoted-secret-77' });
  const err = withoutVaultSecrets(new ConfigError({ message: 'bad address `vault-quoted-secret-77`', loc: { file: 'x', line: 1, col: 1 } }), vault) as ConfigError;
  t.is(err.message, 'x:1:1: bad address `********`');
  t.true(err instanceof ConfigError);
  const secrets = new Secrets();
  secrets.add('vault-quoted-secret-77');
  t.false(secrets.occursIn(err.message));
});
