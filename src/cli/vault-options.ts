/**
 * Ansible's vault flags, for every command that reads vars (apply, plan, validate, inventory):
 *
 *   --vault-password-file FILE   (also --vault-pass-file; repeatable)   vault id `default`
 *   --vault-id [LABEL@]SOURCE     (repeatable; SOURCE a file, a script or `prompt`)
 *   -J, --ask-vault-pass          (also --ask-vault-password)
 *   ANSIBLE_VAULT_PASSWORD_FILE, ANSIBLE_VAULT_IDENTITY_LIST in the environment
 */
import { Option, type Command } from 'commander';
import { InquirerPrompter } from '../engine/confirm.js';
import { Secrets } from '../engine/redact.js';
import { ConfigError, RunbookError } from '../errors.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { loadVaultPasswords } from '../vault/passwords.js';
import { collect } from './common-options.js';

export interface VaultFlags {
  vaultPasswordFile?: string[];
  vaultId?: string[];
  askVaultPass?: boolean;
}

/** where the config file (ansible.cfg) said the vault passwords are */
export interface VaultDefaults {
  passwordFile?: string;
  identityList?: string[];
}

export function addVaultOptions(cmd: Command): Command {
  return cmd
    .option('--vault-password-file <file>', 'vault password file, or a script that prints it (repeatable; vault id `default`)', collect)
    .addOption(new Option('--vault-pass-file <file>').hideHelp().argParser(collect))
    .option('--vault-id <[label@]source>', 'a vault password with its id: label@FILE, label@SCRIPT or label@prompt (repeatable)', collect)
    .option('-J, --ask-vault-pass', 'ask for the vault password', false)
    .addOption(new Option('--ask-vault-password').hideHelp())
    .hook('preAction', (_this, action) => {
      // Ansible's other spellings of the same flags
      const o = action.opts<VaultFlags & { vaultPassFile?: string[]; askVaultPassword?: boolean }>();
      if (o.vaultPassFile) action.setOptionValue('vaultPasswordFile', [...(o.vaultPasswordFile ?? []), ...o.vaultPassFile]);
      if (o.askVaultPassword) action.setOptionValue('askVaultPass', true);
    });
}

/** The vault passwords of this command, read (and asked for) before anything is loaded. */
export function openVault(flags: VaultFlags, defaults: VaultDefaults = {}, env: NodeJS.ProcessEnv = process.env): Promise<VaultKeyring> {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const prompter = new InquirerPrompter();
  return loadVaultPasswords({
    vaultIds: flags.vaultId,
    passwordFiles: flags.vaultPasswordFile,
    askVaultPass: flags.askVaultPass,
    configPasswordFile: defaults.passwordFile,
    configIdentityList: defaults.identityList,
    env,
    prompt: interactive ? (q) => prompter.password(q) : undefined,
  });
}

/**
 * The same error with every value the vault revealed blanked out: a message may quote a value
 * (a template that failed, a bad address), and it is printed.
 */
export function withoutVaultSecrets(err: unknown, vault: VaultKeyring | undefined): unknown {
  if (!vault || vault.revealed.length === 0 || !(err instanceof RunbookError)) return err;
  const secrets = new Secrets();
  for (const v of vault.revealed) secrets.add(v);
  if (!secrets.occursIn(err.message) && !(err.hint && secrets.occursIn(err.hint))) return err;
  if (err instanceof ConfigError) return new ConfigError(secrets.redact(err.problems));
  const copy = Object.create(Object.getPrototypeOf(err) as object) as RunbookError;
  Object.assign(copy, err, { message: secrets.redactText(err.message), hint: err.hint && secrets.redactText(err.hint) });
  copy.stack = copy.message;
  return copy;
}
