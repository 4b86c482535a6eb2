/**
 * Load one or more `-i` sources into one inventory, as Ansible does: sources are read in
 * order into the same set of hosts and groups, then group_vars/ and host_vars/ next to
 * each source are applied (docs/inventory.md).
 *
 *   const inv = await loadInventory(['inventory/kubeadm-cluster/hosts.ini']);
 *   inv.select('etcd')              -> ['node1', 'node2', 'node3']
 *   inv.varsFor('node1').etcd_cert  -> '/etc/kubernetes/pki/etcd/healthcheck-client.crt'
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { VarsDir } from './group-vars.js';
import { parseAddress } from './host-range.js';
import { parseIniInventory } from './ini.js';
import { LoadedInventory } from './inventory.js';
import { InventoryModel } from './model.js';
import { LOCALHOST_NAMES } from './pattern.js';
import { expandSource, type InventoryFile } from './sources.js';
import type { FileVars } from './var-precedence.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { openVaultFile } from '../vault/vault-file.js';
import { parseYamlInventory } from './yaml.js';
import { checkTrustedFile } from '../util/trusted-files.js';

export interface LoadInventoryOptions {
  /** directory relative sources are resolved against; default: the process's */
  cwd?: string;
  /** vault passwords for encrypted inventories, group_vars/host_vars files and `!vault` values */
  vault?: VaultKeyring;
}

export async function loadInventory(sources: string[], opts: LoadInventoryOptions = {}): Promise<LoadedInventory> {
  const model = new InventoryModel();
  const varsDirs: string[] = [];
  for (const source of sources) {
    const path = opts.cwd && !isAbsolute(source) && !looksLikeHostList(source) ? resolve(opts.cwd, source) : source;
    const expanded = await expandSource(path);
    if (expanded.hostList) {
      for (const entry of expanded.hostList) {
        const parsed = parseAddress(entry);
        model.addHost(parsed?.host ?? entry, 'ungrouped', parsed?.port);
      }
      continue;
    }
    for (const file of expanded.files) await parseFile(file, model, opts.vault);
    if (expanded.varsDir !== undefined) varsDirs.push(expanded.varsDir);
  }
  model.reconcile();

  const names = {
    groups: [...model.groups.keys()],
    hosts: [...new Set([...model.hosts.keys(), ...LOCALHOST_NAMES])],
  };
  const readers = new Map<string, VarsDir>();
  const files: FileVars[] = [];
  for (const dir of varsDirs) {
    let reader = readers.get(dir);
    if (!reader) {
      reader = new VarsDir(dir, opts.vault);
      readers.set(dir, reader);
    }
    files.push(await readFileVars(reader, names));
  }
  return new LoadedInventory(sources, model, files);
}

function looksLikeHostList(source: string): boolean {
  return source.includes(',');
}

async function readFileVars(reader: VarsDir, names: { groups: string[]; hosts: string[] }): Promise<FileVars> {
  const groups = new Map();
  const hosts = new Map();
  for (const g of names.groups) {
    const vars = await reader.groupVars(g);
    if (Object.keys(vars).length > 0) groups.set(g, vars);
  }
  for (const h of names.hosts) {
    const vars = await reader.hostVars(h);
    if (Object.keys(vars).length > 0) hosts.set(h, vars);
  }
  return { dir: reader.dir, groups, hosts };
}

async function parseFile(file: InventoryFile, model: InventoryModel, vault: VaultKeyring | undefined): Promise<void> {
  checkTrustedFile(file.path, 'inventory');
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch (e) {
    throw new ConfigError({ message: `cannot read inventory \`${file.path}\`: ${(e as Error).message}` });
  }
  const opened = openVaultFile(text, file.path, vault);
  const format = file.format === 'guess' ? guessFormat(opened.text) : file.format;
  const parse = (into: InventoryModel) =>
    format === 'yaml' ? parseYamlInventory(opened.text, file.path, into, vault) : parseIniInventory(opened.text, file.path, into);
  if (opened.encrypted) {
    // an inventory encrypted whole: its variables are secrets, its host and group names are not
    // (they name every line of output); read it once on its own to know which values it set
    const alone = new InventoryModel();
    parse(alone);
    for (const node of [...alone.hosts.values(), ...alone.groups.values()]) vault?.reveal(node.vars);
  }
  parse(model);
}

/**
 * A file with no extension may be either format (Ansible tries YAML, then INI). YAML
 * inventories open with a group name and a colon (`all:`), or `---`; INI ones never do.
 */
function guessFormat(text: string): 'yaml' | 'ini' {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    return line === '---' || /^[^\s[=]+:(\s.*)?$/.test(line) || line.startsWith('{') ? 'yaml' : 'ini';
  }
  return 'ini';
}
