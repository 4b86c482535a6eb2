/**
 * Vault passwords from where Ansible takes them, in Ansible's order (ansible-core's
 * `CLI.setup_vault_secrets`):
 *
 *   1. `vault_identity_list` of the config file / ANSIBLE_VAULT_IDENTITY_LIST   label@source, ...
 *   2. `--vault-id [label@]source` (repeatable; source is a file, a script or `prompt`)
 *   3. `--vault-password-file FILE` (repeatable; vault id `default`)
 *   4. `vault_password_file` of the config file, or ANSIBLE_VAULT_PASSWORD_FILE
 *   5. `--ask-vault-pass` (a prompt, vault id `default`)
 *
 * A password file is read whole with surrounding whitespace stripped. An executable file is a
 * script whose standard output is the password; one named `*-client` (or `*-client.EXT`) is
 * asked for a label with `--vault-id LABEL` and exits 2 when it has no such secret.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { DEFAULT_VAULT_ID, VaultKeyring, type VaultPassword } from './keyring.js';

export interface VaultPasswordSources {
  /** `--vault-id`, in the order given */
  vaultIds?: string[];
  /** `--vault-password-file`, in the order given */
  passwordFiles?: string[];
  askVaultPass?: boolean;
  /** `vault_password_file` of the config file; ANSIBLE_VAULT_PASSWORD_FILE overrides it */
  configPasswordFile?: string;
  /** `vault_identity_list` of the config file; ANSIBLE_VAULT_IDENTITY_LIST overrides it */
  configIdentityList?: string[];
  env?: NodeJS.ProcessEnv;
  /** relative files are resolved against this (default: the process's directory) */
  cwd?: string;
  /** asks for a password on the terminal; absent when there is none */
  prompt?: (question: string) => Promise<string>;
}

interface Slug {
  id: string;
  source: string;
  /** how it was given, for messages */
  via: string;
}

export async function loadVaultPasswords(opts: VaultPasswordSources): Promise<VaultKeyring> {
  const env = opts.env ?? process.env;
  const slugs: Slug[] = [];
  const identityList = env.ANSIBLE_VAULT_IDENTITY_LIST !== undefined ? splitList(env.ANSIBLE_VAULT_IDENTITY_LIST) : (opts.configIdentityList ?? []);
  const identityVia = env.ANSIBLE_VAULT_IDENTITY_LIST !== undefined ? 'ANSIBLE_VAULT_IDENTITY_LIST' : 'vault_identity_list';
  for (const v of identityList) slugs.push({ ...splitVaultId(v), via: identityVia });
  for (const v of opts.vaultIds ?? []) slugs.push({ ...splitVaultId(v), via: '--vault-id' });
  for (const f of opts.passwordFiles ?? []) slugs.push({ id: DEFAULT_VAULT_ID, source: f, via: '--vault-password-file' });
  const envFile = env.ANSIBLE_VAULT_PASSWORD_FILE || undefined;
  const defaultFile = envFile ?? opts.configPasswordFile;
  if (defaultFile) slugs.push({ id: DEFAULT_VAULT_ID, source: defaultFile, via: envFile ? 'ANSIBLE_VAULT_PASSWORD_FILE' : 'vault_password_file' });
  if (opts.askVaultPass) slugs.push({ id: DEFAULT_VAULT_ID, source: 'prompt', via: '--ask-vault-pass' });

  const passwords: VaultPassword[] = [];
  for (const slug of slugs) {
    if (slug.source === 'prompt' || slug.source === 'prompt_ask_vault_pass') {
      if (!opts.prompt) {
        throw new ConfigError({
          message: `${slug.via} asks for the vault password, but there is no terminal to ask on`,
          hint: 'give it in a file only you can read: --vault-password-file FILE (or --vault-id LABEL@FILE)',
        });
      }
      const question = slug.via === '--ask-vault-pass' ? 'Vault password:' : `Vault password (${slug.id}):`;
      const answer = Buffer.from(await opts.prompt(question), 'utf8');
      if (answer.length === 0) throw new ConfigError({ message: `${slug.via}: the vault password is empty` });
      passwords.push({ id: slug.id, source: 'prompt', password: answer });
      continue;
    }
    const file = expandPath(slug.source, opts.cwd);
    passwords.push({ id: slug.id, source: `${slug.via} ${slug.source}`, password: readPasswordSource(file, slug) });
  }
  return new VaultKeyring(passwords);
}

/** `label@source` -> {label, source}; without `@` the label is `default` */
export function splitVaultId(value: string): { id: string; source: string } {
  const at = value.indexOf('@');
  if (at < 0) return { id: DEFAULT_VAULT_ID, source: value };
  return { id: value.slice(0, at) || DEFAULT_VAULT_ID, source: value.slice(at + 1) };
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function expandPath(path: string, cwd?: string): string {
  const home = path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
  return isAbsolute(home) ? home : resolve(cwd ?? process.cwd(), home);
}

function readPasswordSource(file: string, slug: Slug): Buffer {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new ConfigError({
      message: `${slug.via} ${slug.source}: no such vault password file`,
      hint: 'check the path; it is relative to the current directory',
    });
  }
  if (!isFile) throw new ConfigError({ message: `${slug.via} ${slug.source}: not a file` });
  let password: Buffer;
  if (isExecutable(file)) {
    password = runPasswordScript(file, slug);
  } else {
    try {
      password = stripWhitespace(readFileSync(file));
    } catch (e) {
      throw new ConfigError({ message: `${slug.via} ${slug.source}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    }
  }
  if (password.length === 0) {
    throw new ConfigError({ message: `${slug.via} ${slug.source}: the vault password is empty`, hint: 'write the password on the first line of the file' });
  }
  return password;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** a `*-client` script is asked for one vault id; a plain script just prints the password */
function runPasswordScript(file: string, slug: Slug): Buffer {
  const isClient = basename(file, extname(file)).endsWith('-client');
  const args = isClient ? ['--vault-id', slug.id] : [];
  try {
    // the script may ask the operator something on stderr: only its stdout is the password
    const out = execFileSync(file, args, { stdio: ['inherit', 'pipe', isClient ? 'pipe' : 'inherit'], maxBuffer: 1 << 20 });
    return stripNewlines(out);
  } catch (e) {
    const status = (e as { status?: number | null }).status;
    if (isClient && status === 2) {
      throw new ConfigError({ message: `${slug.via} ${slug.source}: the vault password client has no secret for vault id \`${slug.id}\`` });
    }
    throw new ConfigError({
      message: `${slug.via} ${slug.source}: the vault password script failed${typeof status === 'number' ? ` (exit ${status})` : `: ${(e as Error).message}`}`,
      hint: 'a password file that is executable is run as a script; if it is not one, remove its executable bit (chmod -x)',
    });
  }
}

function stripWhitespace(b: Buffer): Buffer {
  return Buffer.from(b.toString('utf8').trim(), 'utf8');
}

function stripNewlines(b: Buffer): Buffer {
  return Buffer.from(b.toString('utf8').replace(/^[\r\n]+|[\r\n]+$/g, ''), 'utf8');
}
