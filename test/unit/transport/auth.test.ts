import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { AnyAuthMethod } from 'ssh2';
import { AuthError } from '../../../src/errors.js';
import { createAuth } from '../../../src/transport/auth.js';
import type { ConnectHooks, ConnectionSpec } from '../../../src/transport/types.js';
import { newKey } from './keys.js';
import { testSpec } from '../../helpers/connection-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'rb-auth-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const plain = join(dir, 'plain');
const encrypted = join(dir, 'encrypted');
writeFileSync(plain, newKey().private, { mode: 0o600 });
writeFileSync(encrypted, newKey('ed25519', 'open sesame').private, { mode: 0o600 });
delete process.env.SSH_AUTH_SOCK;

const spec = testSpec;

/** Drive the handler as ssh2 would, the server accepting `methods`, and list what was offered. */
async function offered(s: ConnectionSpec, hooks: ConnectHooks = {}, methods: string[] | null = null): Promise<{ list: string[]; auth: ReturnType<typeof createAuth> }> {
  const auth = createAuth(s, hooks);
  const list: string[] = [];
  for (;;) {
    const next = await new Promise<AnyAuthMethod | false>((resolve) =>
      auth.handler(methods as never, null as never, ((m: AnyAuthMethod | false) => resolve(m)) as never),
    );
    if (next === false) return { list, auth };
    list.push(next.type);
  }
}

test('agent first, then keys in order, then a password', async (t) => {
  const { list, auth } = await offered(spec({ agent: '/tmp/agent.sock', privateKeyFiles: [plain, encrypted], password: 'pw' }), {
    passphrase: () => 'open sesame',
  });
  // a server that never names its methods is offered everything, keyboard-interactive last
  t.deepEqual(list, ['agent', 'publickey', 'publickey', 'password', 'keyboard-interactive']);
  t.deepEqual(auth.tried, ['agent', `key ${plain}`, `key ${encrypted}`, 'password', 'keyboard-interactive']);
});

test('methods the server does not accept are skipped', async (t) => {
  const { list } = await offered(spec({ privateKeyFiles: [plain], password: 'pw' }), {}, ['publickey']);
  t.deepEqual(list, ['publickey']);
  const kbd = await offered(spec({ privateKeyFiles: [plain], password: 'pw' }), {}, ['keyboard-interactive']);
  t.deepEqual(kbd.list, ['keyboard-interactive']);
});

test('the passphrase is asked only when its key comes up; a refusal skips the key', async (t) => {
  const asked: string[] = [];
  const { list, auth } = await offered(spec({ privateKeyFiles: [encrypted, join(dir, 'missing')] }), {
    passphrase: (f) => {
      asked.push(f);
      return undefined;
    },
  });
  t.deepEqual(asked, [encrypted]);
  t.deepEqual(list, []);
  const err = auth.failure();
  t.true(err instanceof AuthError);
  t.is(err.exitCode, 4);
  t.is(
    err.message,
    `node1: root@10.250.1.11: authentication failed (tried: key ${encrypted} (encrypted, no passphrase), key ${join(dir, 'missing')} (not found)); check ansible_user / ansible_ssh_private_key_file`,
  );
});

test('an encrypted key is decrypted once per run, however many hosts use it', async (t) => {
  // decryption counts as a prompt (the connect timeout pauses for it), so prompts reveal it
  const key = join(dir, 'encrypted-once');
  writeFileSync(key, newKey('ed25519', 'pw').private, { mode: 0o600 });
  const pauses = async (): Promise<number> => {
    let n = 0;
    const auth = createAuth(spec({ privateKeyFiles: [key] }), { passphrase: () => 'pw' }, { promptStarted: () => n++ });
    await new Promise((resolve) => auth.handler(null as never, null as never, resolve as never));
    return n;
  };
  t.is(await pauses(), 2, 'passphrase prompt and decryption');
  t.is(await pauses(), 1, 'passphrase prompt only');
});

test('a wrong passphrase is reported as such', async (t) => {
  const { auth } = await offered(spec({ privateKeyFiles: [encrypted] }), { passphrase: () => 'nope' });
  t.regex(auth.failure().message, /wrong passphrase/);
});

test('the password hook is asked once, with user@address', async (t) => {
  const asked: string[] = [];
  const { list } = await offered(spec({ privateKeyFiles: [] , user: 'ops' }), {
    password: (target) => {
      asked.push(target);
      return 'pw';
    },
  }, ['password', 'keyboard-interactive']);
  t.deepEqual(list, ['password', 'keyboard-interactive']);
  t.deepEqual(asked, ['ops@10.250.1.11']);
});
