import { ConfigError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import type { Inventory, Vars } from '../inventory/types.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook } from '../playbook/types.js';
import { validatePlaybook } from '../playbook/validate.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { parseExtraVars } from '../vars/extra-vars.js';
import { namedOnCommandLine } from '../vars/command-line-names.js';
import { withoutVaultSecrets } from './vault-options.js';

export interface Inputs {
  playbook: Playbook;
  inventory: Inventory;
  extraVars: Vars;
  warnings: string[];
}

/**
 * Load and check everything a run needs; any problem is a ConfigError (exit 2) before a host is
 * touched. Vault texts are decrypted with `vault`'s passwords (a wrong one is such a problem),
 * and no message leaves here with a decrypted value in it. A `-e` name nothing reads is such a
 * problem too, unless `allowUnread` names it.
 */
export async function loadInputs(playbookFile: string, inventorySources: string[], extraVarArgs: string[] = [], vault?: VaultKeyring, allowUnread: readonly string[] = []): Promise<Inputs> {
  try {
    const [playbook, inventory, extraVars, extraVarNames] = await Promise.all([
      loadPlaybook(playbookFile, vault),
      loadInventory(inventorySources, { vault }),
      parseExtraVars(extraVarArgs, { vault }),
      namedOnCommandLine(extraVarArgs, vault),
    ]);
    const problems = validatePlaybook(playbook, { inventory, extraVars, vault, extraVarNames, allowUnread });
    const errors = problems.filter((p) => p.severity !== 'warning');
    if (errors.length) throw new ConfigError(errors);
    return { playbook, inventory, extraVars, warnings: problems.filter((p) => p.severity === 'warning').map((p) => p.message) };
  } catch (err) {
    throw withoutVaultSecrets(err, vault);
  }
}
