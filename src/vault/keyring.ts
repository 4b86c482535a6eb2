/**
 * The vault passwords of one command, and everything they decrypted.
 *
 * A vault text is tried as ansible-core tries it: first the passwords whose vault id is the
 * label in a 1.2 header (`$ANSIBLE_VAULT;1.2;AES256;prod`), then every other one in the order
 * given. The label is not authenticated, so it only chooses which password goes first.
 *
 * Every decrypted value is remembered (`revealed`) so that the run's redactor keeps it out of
 * the output, the events, the run records and error messages (docs/secrets.md).
 */
import { ConfigError, type SourceLocation } from '../errors.js';
import { decryptEnvelope, parseEnvelope, VaultFormatError } from './envelope.js';

/** the vault id of `--vault-password-file`, `--ask-vault-pass` and a `--vault-id` without a label */
export const DEFAULT_VAULT_ID = 'default';

export interface VaultPassword {
  /** vault id (`prod` of `--vault-id prod@file`) */
  id: string;
  /** where it came from, for messages: `--vault-password-file .vault-pass`, `prompt` */
  source: string;
  password: Buffer;
}

export class VaultKeyring {
  private readonly revealedValues: unknown[] = [];

  constructor(readonly passwords: VaultPassword[] = []) {}

  /** the plaintexts (and, for a decrypted vars file, its values) read so far: all secrets */
  get revealed(): readonly unknown[] {
    return this.revealedValues;
  }

  /** note a decrypted value, or every leaf of a decrypted vars file, as a secret */
  reveal(value: unknown): void {
    this.revealedValues.push(value);
  }

  /**
   * Decrypt one vault text (a whole file, or a `!vault` value) found at `where`; a missing or
   * wrong password, or a damaged text, is a ConfigError at that place: nothing has run yet.
   * The caller reveals what it makes of the plaintext (the value, or a file's vars).
   */
  decrypt(vaultText: string, where: SourceLocation, what = 'this value'): string {
    if (this.passwords.length === 0) {
      let label: string | undefined;
      try {
        label = parseEnvelope(vaultText).label;
      } catch {
        // without a password, that it is encrypted is what matters
      }
      throw new ConfigError({
        message: `${what} is encrypted with ansible-vault${label ? ` (vault id \`${label}\`)` : ''}, and no vault password was given`,
        loc: where,
        hint: 'give its password with --vault-password-file FILE, --vault-id LABEL@FILE, --ask-vault-pass, or ANSIBLE_VAULT_PASSWORD_FILE',
      });
    }
    let envelope;
    try {
      envelope = parseEnvelope(vaultText);
    } catch (e) {
      if (!(e instanceof VaultFormatError)) throw e;
      throw new ConfigError({
        message: `${what} is not a valid ansible-vault text: ${e.message}`,
        loc: where,
        hint: 'encrypt it again with ansible-vault (encrypt or encrypt_string), and keep every line of it',
      });
    }
    const ordered = envelope.label
      ? [...this.passwords.filter((p) => p.id === envelope.label), ...this.passwords.filter((p) => p.id !== envelope.label)]
      : this.passwords;
    for (const p of ordered) {
      let plain: Buffer | undefined;
      try {
        plain = decryptEnvelope(envelope, p.password);
      } catch (e) {
        if (!(e instanceof VaultFormatError)) throw e;
        // the HMAC matched but the padding is wrong: the text itself is damaged
        throw new ConfigError({ message: `${what} is not a valid ansible-vault text: ${e.message}`, loc: where });
      }
      if (plain !== undefined) {
        return plain.toString('utf8');
      }
    }
    const tried = this.passwords.map((p) => `${p.id} from ${p.source}`).join(', ');
    throw new ConfigError({
      message: `cannot decrypt ${what}${envelope.label ? ` (vault id \`${envelope.label}\`)` : ''}: no vault password given opens it (tried ${tried})`,
      loc: where,
      hint: envelope.label && !this.passwords.some((p) => p.id === envelope.label)
        ? `give its password with --vault-id ${envelope.label}@FILE`
        : 'check the vault password file, or that this text was encrypted with one of these passwords',
    });
  }
}
