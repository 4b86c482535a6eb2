/**
 * The scheduler's check of the files it runs with (src/util/trusted-files.ts): owner root or the
 * running user, not writable by group or others, and the same for every directory above. Files
 * of another owner are made with chown, which needs root; those tests are skipped otherwise.
 */
import test from 'ava';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { checkTrustedFile, onlyTrustedFiles } from '../../../src/util/trusted-files.js';

const asRoot = process.geteuid?.() === 0;

function fileIn(mode = 0o644): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trust-'));
  const file = join(dir, 'playbook.yaml');
  writeFileSync(file, 'x');
  chmodSync(file, mode);
  return { dir, file };
}

const check = (file: string) => onlyTrustedFiles(() => checkTrustedFile(file, 'playbook'));

test('a private file of the running user is trusted; a missing one is left to its reader', (t) => {
  const { dir, file } = fileIn(0o600);
  t.notThrows(() => check(file));
  t.notThrows(() => check(join(dir, 'missing.yaml')));
});

test('outside the scheduler nothing is checked', (t) => {
  const { file } = fileIn(0o666);
  t.notThrows(() => checkTrustedFile(file, 'playbook'));
});

test('a file its group or every user can write is refused, naming it and the chmod that fixes it', (t) => {
  const group = fileIn(0o664).file;
  const e1 = t.throws(() => check(group), { instanceOf: ConfigError })!;
  t.regex(e1.message, new RegExp(`^${group}:1:1: playbook ${group} can be written by its group \\(mode 0664\\)`));
  t.regex(e1.message, new RegExp(`chmod go-w ${group}`));
  const world = fileIn(0o646).file;
  t.throws(() => check(world), { instanceOf: ConfigError, message: /can be written by every user \(mode 0646\)/ });
});

test('a file in a directory others can write is refused (they can replace it); a sticky one like /tmp is not', (t) => {
  const { dir, file } = fileIn(0o644);
  chmodSync(dir, 0o777);
  const e = t.throws(() => check(file), { instanceOf: ConfigError })!;
  t.regex(e.message, new RegExp(`playbook ${file}: its directory ${dir} can be written by its group and every user \\(mode 0777\\)`));
  t.regex(e.message, new RegExp(`chmod go-w ${dir}`));
  chmodSync(dir, 0o1777);
  t.notThrows(() => check(file));
});

test('a link is checked where it points: a target in a directory others can write is refused', (t) => {
  const open = mkdtempSync(join(tmpdir(), 'trust-open-'));
  const sub = join(open, 'shared');
  mkdirSync(sub);
  chmodSync(sub, 0o777);
  writeFileSync(join(sub, 'real.yaml'), 'x');
  const { dir } = fileIn();
  symlinkSync(join(sub, 'real.yaml'), join(dir, 'link.yaml'));
  t.throws(() => check(join(dir, 'link.yaml')), { instanceOf: ConfigError, message: new RegExp(`its directory ${sub} can be written`) });
});

test('a file owned by another user is refused, naming the owner and the chown that fixes it', (t) => {
  if (!asRoot) return t.pass('needs root to chown');
  const { file } = fileIn(0o644);
  chownSync(file, 65534, 65534);
  const e = t.throws(() => check(file), { instanceOf: ConfigError })!;
  t.regex(e.message, /is owned by uid 65534, not by root/);
  t.regex(e.message, new RegExp(`chown root ${file}`));
});

test('a directory above owned by another user is refused', (t) => {
  if (!asRoot) return t.pass('needs root to chown');
  const { dir, file } = fileIn(0o644);
  chownSync(dir, 65534, 65534);
  t.throws(() => check(file), { instanceOf: ConfigError, message: new RegExp(`its directory ${dir} is owned by uid 65534`) });
});

test('the scope follows the asynchronous work started inside it', async (t) => {
  const { file } = fileIn(0o666);
  await t.throwsAsync(
    onlyTrustedFiles(async () => {
      await new Promise((r) => setTimeout(r, 1));
      checkTrustedFile(file, 'playbook');
    }),
    { instanceOf: ConfigError },
  );
});
