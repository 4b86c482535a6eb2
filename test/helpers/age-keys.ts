/**
 * Two age identities made by Debian's `age-keygen` (the independent tool, not the library under
 * test): the backup's, whose public key is the recipient, and a wrong one.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export function makeAgeKeys(dir: string): { keyFile: string; wrongKeyFile: string; recipient: string } {
  const keyFile = join(dir, 'backup.key');
  const wrongKeyFile = join(dir, 'wrong.key');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  execFileSync('age-keygen', ['-o', wrongKeyFile], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
  return { keyFile, wrongKeyFile, recipient };
}
