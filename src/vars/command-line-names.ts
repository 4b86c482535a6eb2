/**
 * The extra-var names an operator typed one by one: `-e name=value` and inline JSON/YAML
 * mappings, not `-e @file` (a shared vars file may hold names for many playbooks). These are
 * the names a typo hides in, so the run checks each one is read (src/playbook/validate.ts).
 */
import type { VaultKeyring } from '../vault/keyring.js';
import { parseExtraVars } from './extra-vars.js';

export async function namedOnCommandLine(values: readonly string[], vault?: VaultKeyring): Promise<string[]> {
  const typed = values.filter((v) => v !== '' && !v.startsWith('@'));
  return Object.keys(await parseExtraVars(typed, { vault }));
}
