/**
 * `runbook validate PLAYBOOK [-i INV] [-e VARS]`: check a playbook without connecting to
 * anything. Prints one line per problem (`file:line:col: message (hint)`), then a count;
 * exits 2 when there is an error, 0 otherwise (warnings alone do not fail).
 */
import { Command } from 'commander';
import { ConfigError, formatProblem, RunbookError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import type { Inventory, Vars } from '../inventory/types.js';
import { loadPlaybook } from '../playbook/load.js';
import { validatePlaybook, type ValidationProblem } from '../playbook/validate.js';
import { parseExtraVars } from '../vars/extra-vars.js';
import { namedOnCommandLine } from '../vars/command-line-names.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { collect } from './common-options.js';
import { vaultDefaults } from './config-defaults.js';
import { addVaultOptions, openVault, withoutVaultSecrets, type VaultFlags } from './vault-options.js';

export interface ValidateIO {
  out(text: string): void;
  /** how the exit code reaches the process; tests capture it instead */
  exit(code: number): void;
}

const defaultIO: ValidateIO = {
  out: (text) => process.stdout.write(text),
  exit: (code) => {
    process.exitCode = code;
  },
};

export function formatValidationProblem(p: ValidationProblem): string {
  return p.severity === 'warning' ? formatProblem({ ...p, message: `warning: ${p.message}` }) : formatProblem(p);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Everything `validate` finds, loading problems included, as tagged problems. */
export async function validateFile(playbookFile: string, opts: { inventory?: string[]; extraVars?: string[]; allowUnusedVar?: string[]; vault?: VaultKeyring } = {}): Promise<ValidationProblem[]> {
  const { vault } = opts;
  const asErrors = (thrown: unknown): ValidationProblem[] => {
    const err = withoutVaultSecrets(thrown, vault);
    if (err instanceof ConfigError) return err.problems.map((p) => ({ ...p, severity: 'error' as const }));
    if (err instanceof RunbookError) return [{ message: err.message, hint: err.hint, severity: 'error' }];
    throw err;
  };
  const [playbook, inventory, extraVars, extraVarNames] = await Promise.allSettled([
    loadPlaybook(playbookFile, vault),
    opts.inventory?.length ? loadInventory(opts.inventory, { vault }) : Promise.resolve(undefined),
    parseExtraVars(opts.extraVars ?? [], { vault }),
    namedOnCommandLine(opts.extraVars ?? [], vault),
  ]);
  // report every input's problems at once, not the first failing one
  const failed = [playbook, inventory, extraVars].flatMap((r) => (r.status === 'rejected' ? asErrors(r.reason) : []));
  if (failed.length || playbook.status !== 'fulfilled') return failed;
  const problems: ValidationProblem[] = [];
  const inv = inventory.status === 'fulfilled' ? (inventory.value as Inventory | undefined) : undefined;
  for (const w of inv?.warnings ?? []) problems.push({ message: `inventory: ${w}`, severity: 'warning' });
  problems.push(
    ...validatePlaybook(playbook.value, {
      inventory: inv,
      extraVars: extraVars.status === 'fulfilled' ? (extraVars.value as Vars) : {},
      vault,
      extraVarNames: extraVarNames.status === 'fulfilled' ? extraVarNames.value : [],
      allowUnread: opts.allowUnusedVar ?? [],
    }),
  );
  // a problem may quote a value, and none that the vault decrypted may be printed
  return problems.map((p) => {
    const err = withoutVaultSecrets(new ConfigError(p), vault) as ConfigError;
    return { ...p, ...err.problems[0], severity: p.severity };
  });
}

export function validateCommand(io: ValidateIO = defaultIO): Command {
  const cmd = new Command('validate')
    .description('check a playbook (structure, module arguments, variables) without connecting to any host')
    .argument('<playbook>', 'playbook YAML file')
    .option('-i, --inventory <path>', 'also check variables against this inventory (repeatable)', collect)
    .option('-e, --extra-vars <vars>', 'variables: k=v, JSON/YAML, or @file.yaml (repeatable)', collect)
    .option('--allow-unused-var <name>', 'accept this -e name although nothing in the playbook reads it (repeatable)', collect)
    .addHelpText(
      'after',
      '\nExamples:\n  runbook validate playbooks/restore-etcd.yaml\n  runbook validate playbooks/restore-etcd.yaml -i inventory/prod.yaml -e snapshot=/var/backups/etcd/x.db\n',
    )
    .action(async (playbook: string, flags: VaultFlags & { inventory?: string[]; extraVars?: string[]; allowUnusedVar?: string[] }) => {
      let vault: VaultKeyring;
      try {
        vault = await openVault(flags, vaultDefaults());
      } catch (err) {
        for (const p of err instanceof ConfigError ? err.problems : []) io.out(`${formatProblem(p)}\n`);
        if (!(err instanceof ConfigError)) throw err;
        io.out('1 error\n');
        io.exit(2);
        return;
      }
      const problems = await validateFile(playbook, { ...flags, vault });
      for (const p of problems) io.out(`${formatValidationProblem(p)}\n`);
      const errors = problems.filter((p) => p.severity === 'error').length;
      const warnings = problems.length - errors;
      io.out(`${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''}\n`);
      io.exit(errors > 0 ? 2 : 0);
    });
  return addVaultOptions(cmd);
}
