import { ConfigError } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import { readVarsFilesSync } from '../playbook/vars-files.js';
import { render } from '../template/index.js';
import type { VaultKeyring } from '../vault/keyring.js';

/**
 * A play's `vars_files`, read exactly as `validate` reads them (relative to the playbook, YAML
 * as Ansible reads it); later files win. A file name is rendered strictly with the play and
 * extra vars first, so an undefined name in it is an error here too. Any problem stops the run
 * before a host is touched.
 */
export function loadVarsFiles(files: string[], playbookFile: string, vars: Vars, vault?: VaultKeyring): Vars {
  const names = files.map((f) => render(f, vars));
  const { files: read, problems } = readVarsFilesSync(names, playbookFile, vars, () => undefined, vault);
  if (problems.length) throw new ConfigError(problems);
  return Object.assign({}, ...read.map((f) => f.vars)) as Vars;
}
