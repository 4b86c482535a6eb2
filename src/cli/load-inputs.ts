import { ConfigError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import type { Inventory, Vars } from '../inventory/types.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook } from '../playbook/types.js';
import { validatePlaybook } from '../playbook/validate.js';
import { parseExtraVars } from '../vars/extra-vars.js';
import { namedOnCommandLine } from '../vars/command-line-names.js';

export interface Inputs {
  playbook: Playbook;
  inventory: Inventory;
  extraVars: Vars;
  warnings: string[];
}

/** Load and check everything a run needs; any problem is a ConfigError (exit 2) before a host is touched. */
export async function loadInputs(playbookFile: string, inventorySources: string[], extraVarArgs: string[] = [], allowUnread: readonly string[] = []): Promise<Inputs> {
  const [playbook, inventory, extraVars, extraVarNames] = await Promise.all([
    loadPlaybook(playbookFile),
    loadInventory(inventorySources),
    parseExtraVars(extraVarArgs),
    namedOnCommandLine(extraVarArgs),
  ]);
  const problems = validatePlaybook(playbook, { inventory, extraVars, extraVarNames, allowUnread });
  const errors = problems.filter((p) => p.severity !== 'warning');
  if (errors.length) throw new ConfigError(errors);
  return { playbook, inventory, extraVars, warnings: problems.filter((p) => p.severity === 'warning').map((p) => p.message) };
}
