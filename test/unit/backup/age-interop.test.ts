/**
 * The age-encryption package (what runbook encrypts and decrypts with) and Debian's `age`
 * command read each other's files: a backup runbook encrypted opens with `age -d`, and a file
 * `age` encrypted opens in runbook. A wrong identity is refused without printing any key.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import { decryptStream, encryptStream, parseRecipients, readIdentityFile } from '../../../src/backup/age-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'age-interop-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string): { file: string; recipient: string; secret: string } {
  const file = join(dir, name);
  // age-keygen writes the key file 0600 and prints the public key on stderr
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim();
  const secret = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
  return { file, recipient, secret };
}

async function collect(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(out);
}

test('a stream runbook encrypts is decrypted by the age command', async (t) => {
  const key = keygen('a.key');
  const plain = randomBytes(3 * 1024 * 1024 + 17);
  const enc = await collect(await encryptStream(Readable.from([plain.subarray(0, 1000), plain.subarray(1000)]), [key.recipient]));
  t.false(enc.includes(plain.subarray(0, 64)), 'the output is not the plaintext');
  writeFileSync(join(dir, 'a.age'), enc);
  const dec = execFileSync('age', ['-d', '-i', key.file, join(dir, 'a.age')], { maxBuffer: 64 * 1024 * 1024 });
  t.true(dec.equals(plain));
});

test('a file the age command encrypts is decrypted by runbook', async (t) => {
  const key = keygen('b.key');
  const plain = randomBytes(200_000);
  writeFileSync(join(dir, 'b.plain'), plain);
  execFileSync('age', ['-r', key.recipient, '-o', join(dir, 'b.age'), join(dir, 'b.plain')]);
  const ids = await readIdentityFile(key.file);
  const dec = await collect(await decryptStream(Readable.from([readFileSync(join(dir, 'b.age'))]), ids, 'b.age'));
  t.true(dec.equals(plain));
});

test('a wrong identity is refused before any plaintext, and no key appears in the message', async (t) => {
  const right = keygen('right.key');
  const wrong = keygen('wrong.key');
  const enc = await collect(await encryptStream(Readable.from([Buffer.from('secret data')]), [right.recipient]));
  const err = await t.throwsAsync(decryptStream(Readable.from([enc]), await readIdentityFile(wrong.file), 's3://b/p/x.db.gz.age'));
  t.regex(err!.message, /not encrypted for the given identity/);
  t.false(err!.message.includes('AGE-SECRET-KEY'), 'no secret key in the message');
  t.false(err!.message.includes(wrong.secret.slice(15, 40)));
});

test('an identity file others can read is refused, naming the file and not its contents', async (t) => {
  const key = keygen('open.key');
  chmodSync(key.file, 0o644);
  const err = await t.throwsAsync(readIdentityFile(key.file));
  t.regex(err!.message, /readable by others.*chmod 600/);
  t.false(err!.message.includes('AGE-SECRET-KEY'));
});

test('recipients: public keys pass, a secret key or garbage is refused', (t) => {
  const key = keygen('r.key');
  t.deepEqual(parseRecipients(`${key.recipient}, ${key.recipient}`), [key.recipient, key.recipient]);
  t.throws(() => parseRecipients([key.secret]), { message: /secret key.*age-keygen -y/ });
  t.throws(() => parseRecipients('age1nope'), { message: /not an age public key/ });
  t.deepEqual(parseRecipients(undefined), []);
});
