/**
 * `hideCommand`: a command whose text holds a secret travels on stdin, so no process on the host
 * has it in its argv. Checked with the local transport, a real /bin/sh and this machine's /proc,
 * as any local user would read it.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import test from 'ava';
import { commandEnvelope } from '../../../src/transport/command-envelope.js';
import { connectLocal } from '../../../src/transport/local.js';
import { testSpec } from '../../helpers/connection-spec.js';
import { fakeSudoDir } from './fake-sudo.js';

const sudoDir = fakeSudoDir();
process.env.PATH = `${sudoDir}:${process.env.PATH}`;
test.after.always(() => rmSync(sudoDir, { recursive: true, force: true }));
const local = connectLocal(testSpec({ name: 'localhost', connection: 'local', address: 'localhost' }));

/** every process's argv, as `ps` shows it to anyone */
function processArgs(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // gone
    }
  }
  return out;
}

/** runs `command` and reads the process list while it sleeps */
async function argvWhileRunning(secret: string, hideCommand: boolean): Promise<{ seen: boolean; stdout: string }> {
  const running = local.exec(`sleep 1; printf '%s' '${secret}' | wc -c`, { hideCommand });
  let seen = false;
  let done = false;
  void running.finally(() => (done = true));
  while (!done) {
    if (processArgs().some((a) => a.includes(secret))) seen = true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { seen, stdout: (await running).stdout };
}

test('the envelope of a hidden command carries its text on stdin, not in the command line', (t) => {
  const e = commandEnvelope('echo pw-in-text', { env: { TOKEN: 'env-secret-1' }, hideCommand: true });
  t.false(e.command.includes('pw-in-text'));
  t.false(e.command.includes('env-secret-1'));
  t.is(e.stdinPrefix?.toString('utf8'), "export TOKEN=env-secret-1; echo pw-in-text");
  t.is(commandEnvelope('echo x', {}).stdinPrefix, undefined);
});

test('a hidden command is in no process list while it runs; a plain one is (the check can fail)', async (t) => {
  const hidden = await argvWhileRunning('argv-secret-2a', true);
  t.is(hidden.stdout.trim(), '14');
  t.false(hidden.seen);
  const plain = await argvWhileRunning('argv-secret-2b', false);
  t.true(plain.seen);
});

test('a hidden command keeps its exit code, env, final newline and the caller stdin', async (t) => {
  const r = await local.exec('read -r line; echo "got $line $V"; exit 3\n', { hideCommand: true, env: { V: 'v1' }, stdin: 'from-caller\n' });
  t.is(r.exitCode, 3);
  t.is(r.stdout, 'got from-caller v1\n');
  // no stdin: the script reads EOF, as with sh -c
  t.is((await local.exec('cat; echo end', { hideCommand: true })).stdout, 'end\n');
  // multi-byte text is counted in bytes
  t.is((await local.exec("printf '%s' 'ünïcödé'", { hideCommand: true })).stdout, 'ünïcödé');
});

test('a hidden command runs in the interpreter asked for', async (t) => {
  const r = await local.exec('echo "${BASH_VERSION:+bash}"', { hideCommand: true, interpreter: '/bin/bash' });
  t.is(r.stdout, 'bash\n');
});

test('a hidden command under become with a sudo password', async (t) => {
  const r = await local.exec('cat; echo " ok"', { hideCommand: true, stdin: 'in', become: { user: 'nobody', password: 's3cret' } });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, 'in ok\n');
});
