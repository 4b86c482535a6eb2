/**
 * A file that ansible-vault encrypted whole (`ansible-vault encrypt group_vars/all/vault.yml`):
 * its plaintext, to be parsed as the file itself would be. Positions in later messages are
 * lines of the plaintext, as in Ansible.
 */
import { isVaultText } from './envelope.js';
import { VaultKeyring } from './keyring.js';

export interface OpenedFile {
  text: string;
  /** true when the file was encrypted: every value read from it is a secret */
  encrypted: boolean;
}

export function openVaultFile(text: string, file: string, vault: VaultKeyring | undefined): OpenedFile {
  if (!isVaultText(text)) return { text, encrypted: false };
  const plain = (vault ?? new VaultKeyring()).decrypt(text, { file, line: 1, col: 1 }, 'this file');
  return { text: plain, encrypted: true };
}
