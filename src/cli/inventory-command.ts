/**
 * `runbook inventory`: show an inventory exactly as runbook (and Ansible) reads it, in the
 * shapes `ansible-inventory` prints, so an inventory can be checked before a run and
 * compared with Ansible's view of it.
 */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigError, RunbookError } from '../errors.js';
import { ansibleGraph, ansibleList, ansibleYamlList, sortKeysDeep } from '../inventory/ansible-list.js';
import { loadInventory } from '../inventory/load.js';
import { Secrets } from '../engine/redact.js';
import { didYouMean } from '../util/suggest.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { addConfigDefaults, vaultDefaults } from './config-defaults.js';
import { addVaultOptions, openVault, withoutVaultSecrets, type VaultFlags } from './vault-options.js';

interface InventoryOptions extends VaultFlags {
  inventory: string[];
  list?: boolean;
  host?: string;
  graph?: string | boolean;
  limit?: string;
  yaml?: boolean;
}

const EXAMPLES = `
Examples:
  $ runbook inventory -i inventory/kubeadm-cluster/hosts.ini --graph
  $ runbook inventory -i inventory/systemd-cluster/hosts.yaml --list
  $ runbook inventory -i inventory/systemd-cluster/hosts.yaml --host etcd1
  $ runbook inventory -i hosts.ini -i extra.yaml --list --limit 'etcd:!etcd3' --yaml
  $ runbook inventory -i inventory/kubeadm-cluster/ --graph etcd

--list prints the JSON \`ansible-inventory --list\` prints: _meta.hostvars holds every
host's merged vars, and each group its direct hosts and children. Inside a directory
given to -i, *.ini files are skipped, as Ansible skips them (see docs/inventory.md).
Values decrypted from ansible-vault are shown as ******** (ansible-inventory would print them).
`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function inventoryCommand(): Command {
  const cmd = new Command('inventory');
  cmd
    .description('show hosts, groups and merged vars of an inventory, as ansible-inventory does')
    .option('-i, --inventory <source>', 'inventory file, directory or host list `a,b,` (repeatable; default: `inventory` of ansible.cfg)', collect)
    .option('--list', 'every group and host with its merged vars (ansible-inventory --list JSON)')
    .option('--host <host>', "one host's merged vars")
    .option('--graph [group]', 'the group tree, from `all` or from GROUP')
    .option('-l, --limit <pattern>', 'only hosts matching this pattern (e.g. etcd:!etcd3)')
    .option('-y, --yaml', 'YAML instead of JSON (for --list and --host)')
    .addHelpText('after', EXAMPLES);
  addVaultOptions(cmd);
  addConfigDefaults(cmd, ['inventory']);
  cmd.action(async (opts: InventoryOptions) => {
      const out = cmd.configureOutput();
      const write = (text: string) => (out.writeOut ?? ((s: string) => process.stdout.write(s)))(text);
      const warn = (text: string) => (out.writeErr ?? ((s: string) => process.stderr.write(s)))(text);
      let vault: VaultKeyring | undefined;
      try {
        vault = await openVault(opts, vaultDefaults());
        write(await render(opts, warn, vault));
      } catch (thrown) {
        const err = withoutVaultSecrets(thrown, vault);
        if (err instanceof RunbookError) {
          cmd.error(`runbook: ${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}`, { exitCode: err.exitCode, code: 'runbook.error' });
        }
        throw err;
      }
    });
  return cmd;
}

async function render(opts: InventoryOptions, warn: (text: string) => void, vault: VaultKeyring): Promise<string> {
  const secrets = new Secrets();
  const text = await renderText(opts, warn, vault);
  for (const v of vault.revealed) secrets.add(v);
  return secrets.redactText(text);
}

async function renderText(opts: InventoryOptions, warn: (text: string) => void, vault: VaultKeyring): Promise<string> {
  const actions = [opts.list, opts.host !== undefined, opts.graph !== undefined].filter(Boolean).length;
  if (actions !== 1) {
    throw new ConfigError({ message: 'choose exactly one of --list, --host HOST or --graph', hint: 'see `runbook inventory --help`' });
  }
  const inv = await loadInventory(opts.inventory, { vault });
  for (const w of inv.warnings) warn(`[WARNING]: ${w}\n`);
  const limited = opts.limit !== undefined ? new Set(inv.select('all', opts.limit)) : undefined;
  const visible = (host: string) => limited === undefined || limited.has(host);
  const dump = (value: unknown) =>
    opts.yaml ? stringify(sortKeysDeep(value), { indent: 2 }) : JSON.stringify(sortKeysDeep(value), null, 4) + '\n';

  if (opts.list) return dump(opts.yaml ? ansibleYamlList(inv, visible) : ansibleList(inv, visible));
  if (opts.host !== undefined) {
    const host = opts.host;
    if (!inv.hasHost(host) || !visible(host)) {
      throw new ConfigError({
        message: `host \`${host}\` is not in the inventory${limited ? ' (within --limit)' : ''};${didYouMean(host, inv.hosts.keys()) || ' check the name'}`,
      });
    }
    return dump(inv.varsFor(host));
  }
  const start = typeof opts.graph === 'string' ? opts.graph : 'all';
  if (!inv.groups.has(start)) {
    throw new ConfigError({
      message: `--graph needs a group name; \`${start}\` is not a group;${didYouMean(start, inv.groups.keys()) || ' check the name'}`,
    });
  }
  return ansibleGraph(inv, start, visible) + '\n';
}
