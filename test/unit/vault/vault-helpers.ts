import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VaultKeyring } from '../../../src/vault/keyring.js';

/** files and strings encrypted by the real ansible-vault (test/fixtures/vault/make.sh) */
export const VAULT_FIXTURES = fileURLToPath(new URL('../../fixtures/vault/', import.meta.url));
export const DEFAULT_PASSWORD = 'correct horse battery staple';
export const PROD_PASSWORD = 'prod-vault-password';

export function keyring(...passwords: Array<[id: string, password: string]>): VaultKeyring {
  return new VaultKeyring(passwords.map(([id, password]) => ({ id, source: `test ${id}`, password: Buffer.from(password) })));
}

/** the fixtures' two passwords, as --vault-password-file and --vault-id prod@ give them */
export function fixtureKeyring(): VaultKeyring {
  return keyring(['default', DEFAULT_PASSWORD], ['prod', PROD_PASSWORD]);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'runbook-vault-'));
}

/** true where Debian's ansible-core is installed (the machines this project is developed on) */
export function hasAnsibleVault(): boolean {
  try {
    execFileSync('ansible-vault', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `ansible-vault encrypt_string` of `plaintext`, with `vaultId` (label@file) */
export function ansibleEncryptString(plaintext: string, password: string, label?: string): string {
  const dir = tempDir();
  const file = join(dir, 'pass');
  writeFileSync(file, `${password}\n`);
  const id = label ? `${label}@${file}` : file;
  const out = execFileSync('ansible-vault', ['encrypt_string', '--vault-id', id, '--encrypt-vault-id', label ?? 'default', plaintext], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ANSIBLE_CONFIG: join(dir, 'none.cfg') },
  });
  // `!vault |` and the indented vault text: the text itself
  return out.split('\n').slice(1).map((l) => l.trim()).join('\n').trim();
}

export function ansibleEncryptFile(plaintext: string, password: string, label?: string): string {
  const dir = tempDir();
  const pass = join(dir, 'pass');
  const file = join(dir, 'secret.yml');
  writeFileSync(pass, `${password}\n`);
  writeFileSync(file, plaintext);
  const args = ['encrypt', '--vault-id', label ? `${label}@${pass}` : pass, file];
  execFileSync('ansible-vault', args, { stdio: 'ignore', env: { ...process.env, ANSIBLE_CONFIG: join(dir, 'none.cfg') } });
  return execFileSync('cat', [file], { encoding: 'utf8' });
}
