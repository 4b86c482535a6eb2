/**
 * ansible.cfg and the environment as defaults for the command line: a setting fills an option
 * the command line left out, and never beats one it gave (Ansible's precedence). Each command
 * declares which of its options a setting may fill.
 */
import type { Command } from 'commander';
import { mapSshArgs } from '../config/ssh-args.js';
import { loadSettings, type LoadedSettings } from '../config/settings.js';
import { ConfigError } from '../errors.js';

/** option attribute names of the commands that ansible.cfg may fill */
export type ConfigurableOption =
  | 'inventory'
  | 'user'
  | 'privateKey'
  | 'forks'
  | 'acceptNewHostKeys'
  | 'connectTimeout'
  | 'runsDir'
  | 'locksDir'
  | 'output'
  | 'knownHosts'
  | 'sshConfig';

let cached: LoadedSettings | undefined;
/** the settings of this process: ansible.cfg is read once */
export function settings(): LoadedSettings {
  cached ??= loadSettings();
  return cached;
}

/** vault password sources from the config file (the environment's are read with the flags) */
export function vaultDefaults(): { passwordFile?: string; identityList?: string[] } {
  const s = settings().settings;
  const fromFile = (name: string) => {
    const v = s.get(name);
    return v && !v.origin.startsWith('env:') ? v.value : undefined;
  };
  return { passwordFile: fromFile('vault_password_file') as string | undefined, identityList: fromFile('vault_identity_list') as string[] | undefined };
}

/**
 * Fill `options` of `cmd` from the settings before its action runs; `-i` becomes required
 * only when no setting gives an inventory.
 */
export function addConfigDefaults(cmd: Command, options: ConfigurableOption[], io: { warn?: (text: string) => void } = {}): Command {
  return cmd.hook('preAction', (_self, action) => {
    const loaded = settings();
    const warn = io.warn ?? ((text: string) => process.stderr.write(`warning: ${text}\n`));
    for (const w of loaded.warnings) warn(w);
    const values = effectiveDefaults(loaded);
    const ssh = values.sshArgs;
    if (ssh?.unused.length) warn(`ansible.cfg ssh_args: runbook speaks SSH itself and does not use ${ssh.unused.join(' ')}`);
    for (const name of options) {
      const source = action.getOptionValueSource(name);
      if (source === 'cli' || source === 'env') continue;
      const value = values[name];
      if (value !== undefined) action.setOptionValueWithSource(name, value, 'config');
    }
    if (options.includes('inventory') && action.getOptionValue('inventory') === undefined) {
      throw new ConfigError({
        message: 'no inventory given',
        hint: 'pass -i INVENTORY, or set `inventory` in ansible.cfg [defaults] or ANSIBLE_INVENTORY',
      });
    }
  });
}

type Defaults = Partial<Record<ConfigurableOption, unknown>> & { sshArgs?: ReturnType<typeof mapSshArgs> };

/** what each option would be by the settings alone: a direct setting beats one read from ssh_args */
export function effectiveDefaults(loaded: LoadedSettings): Defaults {
  const get = (name: string) => loaded.settings.get(name)?.value;
  const sshText = get('ssh_args');
  const ssh = typeof sshText === 'string' ? mapSshArgs(sshText) : undefined;
  const hostKeyChecking = get('host_key_checking');
  const acceptNew = hostKeyChecking === false ? true : ssh?.acceptNewHostKeys;
  return {
    inventory: get('inventory'),
    user: get('remote_user') ?? ssh?.user,
    privateKey: get('private_key_file') ?? ssh?.privateKey,
    forks: get('forks'),
    acceptNewHostKeys: acceptNew,
    connectTimeout: get('timeout') ?? ssh?.connectTimeout,
    runsDir: get('runs_dir'),
    locksDir: get('locks_dir'),
    output: get('output'),
    knownHosts: get('known_hosts') ?? ssh?.knownHosts,
    sshConfig: get('ssh_config') ?? ssh?.sshConfig,
    sshArgs: ssh,
  };
}
