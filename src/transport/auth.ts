import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import ssh2, { type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware, type ParsedKey } from 'ssh2';
import { AuthError } from '../errors.js';
import type { ConnectHooks, ConnectionSpec } from './types.js';
import { checkTrustedFile } from '../util/trusted-files.js';

// ssh2 is CommonJS; Node's ESM loader cannot see its named exports
const { utils } = ssh2;

/**
 * Authentication in OpenSSH's order: the ssh-agent, then private key files, then a password.
 * Each method is tried only when the server still accepts it; key passphrases and passwords are
 * asked for (through hooks) only when that method's turn comes.
 *
 *   const auth = createAuth(spec, hooks);
 *   client.connect({ ..., authHandler: auth.handler });
 *   // on failure: throw auth.failure()
 */
export interface Auth {
  handler: AuthHandlerMiddleware;
  /** what was offered to the server, for the error message */
  readonly tried: string[];
  /** the AuthError that explains why every method failed */
  failure(): AuthError;
}

export interface AuthOptions {
  /** a hook is asking the operator something: the connect timeout must not run meanwhile */
  promptStarted?(): void;
  promptEnded?(): void;
}

/** Tried when the inventory names no key, as ssh does. */
export function defaultKeyFiles(): string[] {
  const dir = join(homedir(), '.ssh');
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(dir, f));
}

type Step = { label: string; needs: AuthenticationType; method: () => Promise<AnyAuthMethod | undefined> };

export function createAuth(spec: ConnectionSpec, hooks: ConnectHooks = {}, opts: AuthOptions = {}): Auth {
  const tried: string[] = [];
  const skipped: string[] = [];
  const target = `${spec.user}@${spec.address}`;
  const explicitKeys = spec.privateKeyFiles.length > 0;
  const keyFiles = explicitKeys ? spec.privateKeyFiles : defaultKeyFiles();

  const ask = async <T>(question: () => Promise<T> | T): Promise<T> => {
    opts.promptStarted?.();
    try {
      return await question();
    } finally {
      opts.promptEnded?.();
    }
  };

  let password: string | undefined | null = spec.password ?? null; // null: not asked yet
  const getPassword = async (): Promise<string | undefined> => {
    if (password === null) password = hooks.password ? await ask(() => hooks.password!(target)) : undefined;
    return password;
  };

  const steps: Step[] = [];
  // resolveConnectionSpec fills this from $SSH_AUTH_SOCK; a spec without it does not use an agent
  const agent = spec.agent;
  if (agent) {
    steps.push({ label: 'agent', needs: 'publickey', method: async () => ({ type: 'agent', username: spec.user, agent }) });
  }
  for (const file of keyFiles) {
    steps.push({
      label: `key ${file}`,
      needs: 'publickey',
      method: async () => {
        const key = await loadKey(file, spec, hooks, ask);
        if (typeof key === 'string') {
          // default files that do not exist are not worth mentioning; named ones are
          if (explicitKeys || key !== 'not found') skipped.push(`key ${file} (${key})`);
          return undefined;
        }
        return { type: 'publickey', username: spec.user, key: key.parsed };
      },
    });
  }
  steps.push({
    label: 'password',
    needs: 'password',
    method: async () => {
      const pw = await getPassword();
      return pw === undefined ? undefined : { type: 'password', username: spec.user, password: pw };
    },
  });
  steps.push({
    // servers with PasswordAuthentication off but PAM on ask for the password this way
    label: 'keyboard-interactive',
    needs: 'keyboard-interactive',
    method: async () => {
      const pw = await getPassword();
      if (pw === undefined) return undefined;
      return {
        type: 'keyboard-interactive',
        username: spec.user,
        prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => pw)),
      };
    },
  });

  let next = 0;
  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, callback) => {
    void (async () => {
      while (next < steps.length) {
        const step = steps[next++]!;
        // null on the first call: the server has not said yet which methods it accepts
        if (methodsLeft && !methodsLeft.includes(step.needs)) continue;
        let method: AnyAuthMethod | undefined;
        try {
          method = await step.method();
        } catch (err) {
          skipped.push(`${step.label} (${(err as Error).message})`);
          continue;
        }
        if (!method) continue;
        tried.push(step.label);
        callback(method);
        return;
      }
      callback(false as unknown as AnyAuthMethod);
    })();
  };

  return {
    handler,
    tried,
    failure() {
      const what = [...tried, ...skipped].join(', ') || 'nothing: no agent, no key file, no password';
      return new AuthError(
        spec.name,
        `${target}: authentication failed (tried: ${what}); check ansible_user / ansible_ssh_private_key_file`,
        `the server refused every credential offered; is the public key in ~${spec.user}/.ssh/authorized_keys on ${spec.address}?`,
      );
    },
  };
}

type LoadedKey = { parsed: ParsedKey };

/**
 * Decrypted keys of this run, by file and passphrase. ssh2 derives the key of an encrypted
 * OpenSSH file with bcrypt_pbkdf in JavaScript, which blocks the event loop for about a second:
 * worth doing once per key file, not once per host.
 */
const decryptedKeys = new Map<string, ParsedKey | Error>();

function decrypt(file: string, data: Buffer, passphrase: string, ask: <T>(q: () => T) => Promise<T>): Promise<ParsedKey | Error> {
  const id = `${file}\0${createHash('sha256').update(passphrase).digest('hex')}`;
  const known = decryptedKeys.get(id);
  if (known) return Promise.resolve(known);
  // run as a "prompt": the connect timeout must not count a second of key derivation
  return ask(() => {
    const parsed = firstKey(utils.parseKey(data, passphrase));
    decryptedKeys.set(id, parsed);
    return parsed;
  });
}

function firstKey(key: ReturnType<typeof utils.parseKey>): ParsedKey | Error {
  // an OpenSSH file may hold several keys; ssh uses the first
  return Array.isArray(key) ? (key[0] ?? new Error('no key in file')) : key;
}

/** A usable private key, or why not: 'not found', 'encrypted, no passphrase', ... */
async function loadKey(
  file: string,
  spec: ConnectionSpec,
  hooks: ConnectHooks,
  ask: <T>(q: () => Promise<T> | T) => Promise<T>,
): Promise<LoadedKey | string> {
  checkTrustedFile(file, 'private key');
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'not found' : `unreadable: ${code ?? (err as Error).message}`;
  }
  const plain = firstKey(utils.parseKey(data));
  if (!(plain instanceof Error)) return plain.isPrivateKey() ? { parsed: plain } : 'not a private key';
  if (!/passphrase|encrypted/i.test(plain.message)) return `unusable: ${plain.message}`;
  const passphrase = spec.passphrase ?? (hooks.passphrase ? await ask(() => hooks.passphrase!(file)) : undefined);
  if (passphrase === undefined) return 'encrypted, no passphrase';
  const decrypted = await decrypt(file, data, passphrase, ask);
  if (decrypted instanceof Error) return 'wrong passphrase';
  return { parsed: decrypted };
}
