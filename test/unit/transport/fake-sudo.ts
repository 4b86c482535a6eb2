import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in `sudo` for tests without a real sudo password: understands -n, -S, -p PROMPT, -u USER,
 * -H and `--`, asks for the password "s3cret" on stderr (unless FAKE_SUDO_ASK=0, as NOPASSWD would),
 * then runs the command as the current user. Returns the directory to put first on PATH.
 */
export function fakeSudoDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rb-fake-sudo-'));
  const script = `#!/bin/sh
prompt='Password: '; from_stdin=0; never_ask=0
while [ $# -gt 0 ]; do
  case $1 in
    -S) from_stdin=1 ;;
    -n) never_ask=1 ;;
    -p) shift; prompt=$1 ;;
    -u) shift ;;
    -H) ;;
    --) shift; break ;;
  esac
  shift
done
if [ "\${FAKE_SUDO_ASK:-1}" = 1 ]; then
  if [ $never_ask = 1 ]; then echo "sudo: a password is required" >&2; exit 1; fi
  tries=0
  while :; do
    printf '%s' "$prompt" >&2
    if ! IFS= read -r pw; then echo "sudo: no password was provided" >&2; exit 1; fi
    [ "$pw" = s3cret ] && break
    tries=$((tries + 1))
    echo "Sorry, try again." >&2
    [ $tries -ge 3 ] && { echo "sudo: 3 incorrect password attempts" >&2; exit 1; }
  done
fi
exec "$@"
`;
  writeFileSync(join(dir, 'sudo'), script);
  chmodSync(join(dir, 'sudo'), 0o755);
  return dir;
}
