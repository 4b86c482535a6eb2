import { Command } from 'commander';
import { planPlaybook, planText } from '../engine/plan.js';
import { addInventoryOptions, splitList } from './common-options.js';
import { addConfigDefaults, vaultDefaults } from './config-defaults.js';
import { fail } from './fail.js';
import { loadInputs } from './load-inputs.js';
import { addVaultOptions, openVault, withoutVaultSecrets, type VaultFlags } from './vault-options.js';

export function planCommand(): Command {
  const cmd = new Command('plan')
    .description('show, per host, the steps apply would run (rendered), the batches and every rollback; connects to nothing')
    .argument('<playbook>', 'playbook YAML file');
  addInventoryOptions(cmd);
  addVaultOptions(cmd);
  addConfigDefaults(cmd, ['inventory']);
  cmd
    .option('-t, --tags <tags>', 'only tasks with these tags')
    .option('--skip-tags <tags>', 'skip tasks with these tags')
    .option('--json', 'print the plan as JSON', false)
    .addHelpText('after', '\nExample:\n  runbook plan playbooks/restore-etcd.yaml -i inventory/prod.yaml -e snapshot=/var/backups/etcd/x.db\n')
    .action(async (playbook: string, flags: VaultFlags & { inventory: string[]; limit?: string; extraVars?: string[]; allowUnusedVar?: string[]; tags?: string; skipTags?: string; json: boolean }) => {
      let vault;
      try {
        vault = await openVault(flags, vaultDefaults());
        const inputs = await loadInputs(playbook, flags.inventory, flags.extraVars ?? [], vault, flags.allowUnusedVar ?? []);
        for (const w of inputs.warnings) process.stderr.write(`warning: ${w}\n`);
        const plan = await planPlaybook(inputs.playbook, inputs.inventory, inputs.extraVars, {
          limit: flags.limit,
          tags: splitList(flags.tags),
          skipTags: splitList(flags.skipTags),
          vault,
        });
        process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : planText(plan));
      } catch (err) {
        fail(withoutVaultSecrets(err, vault));
      }
    });
  return cmd;
}
