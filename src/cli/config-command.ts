/**
 * `runbook config`: the settings in effect and where each came from, as
 * `ansible-config dump --only-changed` prints them (`name(origin) = value`).
 */
import { Command } from 'commander';
import { SETTINGS } from '../config/settings.js';
import { effectiveDefaults, settings } from './config-defaults.js';
import { fail } from './fail.js';

const DEFAULTS: Record<string, string> = {
  inventory: '(none: -i is required)',
  remote_user: '(the ssh config User, else the local user)',
  private_key_file: '(the ssh config IdentityFile, else the agent and ~/.ssh/id_*)',
  forks: '10',
  host_key_checking: 'True',
  timeout: '10',
  runs_dir: '.runbook/runs',
  locks_dir: '(/run/lock/runbook as root, else $XDG_RUNTIME_DIR/runbook/locks or ~/.runbook/locks)',
  output: '(tty on a terminal, else plain)',
  known_hosts: '~/.ssh/known_hosts',
  ssh_config: '~/.ssh/config',
};

export function configText(all: boolean): string {
  const loaded = settings();
  const lines: string[] = [`config file: ${loaded.file ?? 'none (looked for $ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg)'}`];
  for (const w of loaded.warnings) lines.push(`warning: ${w}`);
  for (const def of SETTINGS) {
    const s = loaded.settings.get(def.name);
    if (s) lines.push(`${def.name}(${s.origin}) = ${show(s.value)}`);
    else if (all) lines.push(`${def.name}(default) = ${DEFAULTS[def.name] ?? '(none)'}`);
  }
  const ssh = effectiveDefaults(loaded).sshArgs;
  if (ssh) {
    const used = Object.entries(ssh).filter(([k, v]) => k !== 'unused' && v !== undefined).map(([k, v]) => `${k}=${show(v as string)}`);
    lines.push(`  ssh_args gives: ${used.length ? used.join(', ') : 'nothing runbook uses'}${ssh.unused.length ? `; not used: ${ssh.unused.join(' ')}` : ''}`);
  }
  if (loaded.ignored.length) lines.push(`not used by runbook (Ansible's own): ${loaded.ignored.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

export function configCommand(): Command {
  return new Command('config')
    .description('the settings from ansible.cfg and the environment that runbook uses, and where each came from')
    .option('--all', 'also the settings left at their defaults', false)
    .addHelpText(
      'after',
      `
The config file is the first of $ANSIBLE_CONFIG, ./ansible.cfg (not in a world-writable
directory), ~/.ansible.cfg and /etc/ansible/ansible.cfg. The command line beats the
environment, which beats the file. See docs/config.md.`,
    )
    .action((flags: { all: boolean }) => {
      try {
        process.stdout.write(configText(flags.all));
      } catch (err) {
        fail(err);
      }
    });
}
