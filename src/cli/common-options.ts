import { Option, type Command } from 'commander';

/** `-e` and `-i` may repeat, as in Ansible */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got "${v}"`);
    return n;
  };
}

export function addInventoryOptions(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <path>', 'inventory file or directory (repeatable; default: `inventory` of ansible.cfg)', collect)
    .option('-l, --limit <pattern>', 'only these hosts (a host pattern: node1,node2 / etcd:!node3)')
    .option('-e, --extra-vars <vars>', 'variables: k=v, JSON/YAML, or @file.yaml (repeatable; highest precedence); pass secrets with @file: a command line is visible in ps', collect)
    .option('--allow-unused-var <name>', 'accept this -e name although nothing in the playbook reads it (a -e name nothing reads is refused as a likely typo) (repeatable)', collect);
}

export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('-C, --check', 'report what would change; change nothing', false)
    .option('-D, --diff', 'show before/after of file edits', false)
    .option('-f, --forks <n>', 'hosts a task runs on at once', positiveInt('--forks'), 10)
    // long only: `-y` is --yaml in `inventory`, as in ansible-inventory, and ansible-playbook has no -y
    .option('--yes', 'confirm in advance (for automation); without it a run asks, and refuses without a terminal', false)
    .option('--step', 'ask before each task (yes / no / continue)', false)
    .option('-t, --tags <tags>', 'only tasks with these tags (comma-separated)')
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma-separated)')
    .addOption(new Option('-o, --output <format>', 'tty (live tree), plain (one line per event), json (one JSON event per line)').choices(['tty', 'plain', 'json']))
    .option('-v, --verbose', 'show commands (-v) and their output (-vv)', (_: string, prev: number) => prev + 1, 0)
    .option('--runs-dir <dir>', 'where run records go', '.runbook/runs');
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-u, --user <user>', 'SSH user when the inventory names none')
    .option('--private-key <file>', 'SSH private key when the inventory names none (also --key-file)')
    .addOption(new Option('--key-file <file>').hideHelp())
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against (default ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', 'trust and record keys of hosts never seen before (a changed key is always refused)', false)
    .option('--ssh-config <file>', 'OpenSSH client config to honour (default ~/.ssh/config)')
    .option('--connect-timeout <seconds>', 'give up connecting to a host after this long', positiveInt('--connect-timeout'), 10)
    .option('-K, --ask-become-pass', 'ask for the sudo password once', false);
}

export function splitList(v: string | undefined): string[] {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}
