/**
 * The Ansible Vault format (ansible-core's `VaultAES256`), read with node:crypto:
 *
 *   $ANSIBLE_VAULT;1.1;AES256            header (1.2 adds `;LABEL`, the vault id)
 *   3533343336...                        hex of: hex(salt) \n hex(hmac) \n hex(ciphertext),
 *                                        in lines of 80 characters
 *
 * key material = PBKDF2-HMAC-SHA256(password, salt, 10000 iterations, 80 bytes):
 * bytes 0-31 the AES-256 key, 32-63 the HMAC-SHA256 key, 64-79 the CTR counter block.
 * The HMAC covers the ciphertext; the plaintext is PKCS#7-padded to 16 bytes before AES-256-CTR.
 */
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

export const VAULT_HEADER = '$ANSIBLE_VAULT';

export interface VaultEnvelope {
  version: '1.1' | '1.2';
  /** the vault id written by `--vault-id LABEL@...` (format 1.2 only) */
  label?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

/** A vault text that is not in the format ansible-vault writes; the message says what is wrong. */
export class VaultFormatError extends Error {}

/** true for text that ansible-vault encrypted whole (its first line is the vault header) */
export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith(`${VAULT_HEADER};`);
}

export function parseEnvelope(text: string): VaultEnvelope {
  const lines = text.trim().split(/\r?\n/).map((l) => l.trim());
  const header = lines.shift() ?? '';
  const [magic, version, cipher, label] = header.split(';');
  if (magic !== VAULT_HEADER) throw new VaultFormatError('no $ANSIBLE_VAULT header');
  if (version !== '1.1' && version !== '1.2') throw new VaultFormatError(`vault format ${version ?? '?'} is not supported (only 1.1 and 1.2)`);
  if (cipher !== 'AES256') throw new VaultFormatError(`vault cipher ${cipher ?? '?'} is not supported (only AES256)`);
  const outer = lines.join('');
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(outer)) throw new VaultFormatError('the body is not hexadecimal: the text was cut or changed');
  const parts = Buffer.from(outer, 'hex').toString('latin1').split('\n');
  if (parts.length !== 3 || !parts.every((p) => /^(?:[0-9a-fA-F]{2})+$/.test(p))) {
    throw new VaultFormatError('the body is not salt, HMAC and ciphertext: the text was cut or changed');
  }
  const [salt, hmac, ciphertext] = parts.map((p) => Buffer.from(p, 'hex')) as [Buffer, Buffer, Buffer];
  if (hmac.length !== 32) throw new VaultFormatError('the HMAC is not 32 bytes: the text was cut or changed');
  return { version, label: version === '1.2' && label ? label : undefined, salt, hmac, ciphertext };
}

/**
 * The plaintext, or undefined when `password` is not the one it was encrypted with (the HMAC
 * does not match). Takes ~10 ms: the 10000 PBKDF2 rounds are the point of the format.
 */
export function decryptEnvelope(envelope: VaultEnvelope, password: Buffer): Buffer | undefined {
  const material = pbkdf2Sync(password, envelope.salt, 10000, 80, 'sha256');
  const key = material.subarray(0, 32);
  const hmacKey = material.subarray(32, 64);
  const counter = material.subarray(64, 80);
  const expected = createHmac('sha256', hmacKey).update(envelope.ciphertext).digest();
  if (!timingSafeEqual(expected, envelope.hmac)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', key, counter);
  const padded = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  return unpad(padded);
}

function unpad(padded: Buffer): Buffer {
  const n = padded.length > 0 ? padded[padded.length - 1]! : 0;
  if (n < 1 || n > 16 || n > padded.length) throw new VaultFormatError('bad padding after decryption');
  for (let i = padded.length - n; i < padded.length; i++) {
    if (padded[i] !== n) throw new VaultFormatError('bad padding after decryption');
  }
  return padded.subarray(0, padded.length - n);
}
