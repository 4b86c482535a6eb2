/**
 * The vault format against texts the real ansible-vault wrote: the committed fixtures (made by
 * test/fixtures/vault/make.sh) everywhere, and fresh ones where ansible-core is installed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { decryptEnvelope, isVaultText, parseEnvelope, VaultFormatError } from '../../../src/vault/envelope.js';
import { ansibleEncryptFile, ansibleEncryptString, DEFAULT_PASSWORD, hasAnsibleVault, PROD_PASSWORD, VAULT_FIXTURES } from './vault-helpers.js';

const fixture = (path: string) => readFileSync(join(VAULT_FIXTURES, path), 'utf8');
const open = (text: string, password: string) => decryptEnvelope(parseEnvelope(text), Buffer.from(password))?.toString('utf8');

test('a file ansible-vault encrypted whole (1.1) opens with its password', (t) => {
  const text = fixture('inventory/group_vars/app/vault.yml');
  t.true(isVaultText(text));
  t.is(parseEnvelope(text).version, '1.1');
  t.is(parseEnvelope(text).label, undefined);
  t.is(open(text, DEFAULT_PASSWORD), 'vault_greeting: vault-group-secret-7d1f\nvault_note: "multi word vault note"\n');
});

test('a file encrypted with a vault id (1.2) carries its label and opens with that password', (t) => {
  const text = fixture('vars/vaulted-vars.yml');
  t.like(parseEnvelope(text), { version: '1.2', label: 'prod' });
  t.is(open(text, PROD_PASSWORD), 'vars_file_value: vault-varsfile-secret-2e44\n');
});

test('a wrong password does not open it (the HMAC does not match)', (t) => {
  t.is(open(fixture('vars/vaulted-vars.yml'), DEFAULT_PASSWORD), undefined);
  t.is(open(fixture('vars/vaulted-vars.yml'), `${PROD_PASSWORD} `), undefined);
});

test('damaged texts are format errors that say so', (t) => {
  const text = fixture('vars/extra.yml');
  t.throws(() => parseEnvelope(text.replace('$ANSIBLE_VAULT;1.1', '$ANSIBLE_VAULT;2.0')), { instanceOf: VaultFormatError, message: /format 2\.0 is not supported/ });
  t.throws(() => parseEnvelope(text.replace('AES256', 'AES')), { instanceOf: VaultFormatError, message: /cipher AES is not supported/ });
  t.throws(() => parseEnvelope(text.slice(0, -20)), { instanceOf: VaultFormatError, message: /cut or changed/ });
  t.throws(() => parseEnvelope(`${text.split('\n')[0]}\nzz\n`), { instanceOf: VaultFormatError, message: /not hexadecimal/ });
  // one changed byte of ciphertext: the HMAC no longer matches, whatever the password
  const lines = text.trim().split('\n');
  const last = lines[lines.length - 1]!;
  lines[lines.length - 1] = last.slice(0, -2) + (last.endsWith('30') ? '31' : '30');
  t.is(open(lines.join('\n'), DEFAULT_PASSWORD), undefined);
});

test('not a vault text', (t) => {
  t.false(isVaultText('all:\n  hosts: {}\n'));
  t.false(isVaultText('# $ANSIBLE_VAULT;1.1;AES256\n'));
});

const live = hasAnsibleVault() ? test : test.skip;

live('fresh texts from ansible-vault: strings of every shape, 1.1 and 1.2', (t) => {
  const values = ['a', 'pass word with spaces', 'ünïcødé ✓ 密码', 'line one\nline two\n', 'x'.repeat(16), 'y'.repeat(1000), "quotes ' \" and $dollar"];
  for (const value of values) {
    t.is(open(ansibleEncryptString(value, 'pw-1'), 'pw-1'), value, `1.1: ${value.slice(0, 20)}`);
    const labelled = ansibleEncryptString(value, 'pw-2', 'ops');
    t.is(parseEnvelope(labelled).label, 'ops');
    t.is(open(labelled, 'pw-2'), value, `1.2: ${value.slice(0, 20)}`);
    t.is(open(labelled, 'pw-1'), undefined);
  }
});

live('a fresh file from ansible-vault encrypt', (t) => {
  const yaml = 'db_password: "s3cr3t"\nlist:\n  - 1\n  - two\n';
  t.is(open(ansibleEncryptFile(yaml, 'file-pw'), 'file-pw'), yaml);
  t.is(open(ansibleEncryptFile(yaml, 'file-pw', 'prod'), 'file-pw'), yaml);
});
