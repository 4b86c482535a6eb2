/**
 * age encryption of backup streams (the age-encryption package, by age's author: the same
 * format the `age` command reads and writes; test/unit/backup/age-interop.test.ts proves both
 * directions). Recipients are public keys (`age1...`), safe to keep in vars and inventories;
 * an identity (`AGE-SECRET-KEY-1...`) is read from a file only when decrypting, and never
 * printed: errors name the file, not its contents.
 */
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

const RECIPIENT = /^age1[0-9a-z]{20,}$/;

/** recipients from a list or a comma/space/newline separated string; throws naming the bad one */
export function parseRecipients(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const out = items.map((s) => s.trim()).filter(Boolean);
  for (const r of out) {
    if (r.startsWith('AGE-SECRET-KEY-')) throw new Error('a recipient is a secret key (AGE-SECRET-KEY-...): give its public key, `age-keygen -y KEYFILE` prints it');
    if (!RECIPIENT.test(r)) throw new Error(`"${r.slice(0, 80)}" is not an age public key (age1...)`);
  }
  return out;
}

/** the plaintext stream, encrypted for every recipient */
export async function encryptStream(source: Readable, recipients: readonly string[]): Promise<Readable> {
  const { Encrypter } = await import('age-encryption');
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  const out = await e.encrypt(Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>);
  return Readable.fromWeb(out as unknown as WebReadableStream<Uint8Array>);
}

/**
 * The identities in an age identity file (`age-keygen -o FILE`: comments and
 * AGE-SECRET-KEY-1... lines). A file others can read is refused: it unlocks every backup.
 */
export async function readIdentityFile(file: string): Promise<string[]> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw new Error(`identity file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!st.isFile()) throw new Error(`identity file ${file} is not a regular file`);
  if ((st.mode & 0o077) !== 0) throw new Error(`identity file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 ${file}`);
  const text = await readFile(file, 'utf8');
  const ids = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (ids.length === 0) throw new Error(`identity file ${file} holds no AGE-SECRET-KEY-... line (make one with age-keygen -o ${file})`);
  return ids;
}

/**
 * The decrypted stream. The header is read (and the file key unwrapped) before this resolves,
 * so a wrong identity fails here, before any plaintext flows; a damaged body fails the stream.
 */
export async function decryptStream(source: Readable, identities: readonly string[], what: string): Promise<Readable> {
  const { Decrypter } = await import('age-encryption');
  const d = new Decrypter();
  for (const id of identities) d.addIdentity(id);
  try {
    const out = await d.decrypt(Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>);
    return Readable.fromWeb(out as unknown as WebReadableStream<Uint8Array>);
  } catch (e) {
    source.destroy();
    const msg = (e as Error).message;
    // age-encryption's messages never contain key material; the identity itself is never quoted
    throw new Error(/no identity matched/i.test(msg) ? `${what} is not encrypted for the given identity (no identity matched any recipient)` : `${what} cannot be decrypted: ${msg}`);
  }
}
