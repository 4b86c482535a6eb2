/**
 * group_vars/ and host_vars/ next to an inventory source, found the way Ansible's
 * host_group_vars plugin finds them. For a group or host NAME the first of these wins:
 *
 *   group_vars/NAME/        every file inside (recursively), merged in sorted order
 *   group_vars/NAME         (no extension)
 *   group_vars/NAME.yml
 *   group_vars/NAME.yaml
 *   group_vars/NAME.json
 *
 * Inside a NAME/ folder, hidden files, `*~` backups and files with other extensions are
 * skipped. Files are read lazily and once.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { ConfigError } from '../errors.js';
import type { Vars } from './types.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { parseYamlFile } from './yaml-file.js';
import { checkTrustedFile } from '../util/trusted-files.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

async function filesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = join(dir, name);
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? name.slice(dot) : '';
    const k = await kind(full);
    if (k === 'dir' && ext === '') found.push(...(await filesIn(full)));
    else if (k === 'file' && EXTENSIONS.includes(ext)) found.push(full);
  }
  return found;
}

/** The files that hold vars for NAME under `dir` (group_vars or host_vars), in merge order. */
export async function findVarsFiles(dir: string, name: string): Promise<string[]> {
  for (const ext of EXTENSIONS) {
    const path = join(dir, name + ext);
    const k = await kind(path);
    if (k === 'dir') return filesIn(path);
    if (k === 'file') return [path];
  }
  return [];
}

/** Read one vars file: a mapping (or empty); encrypted whole or in `!vault` values with `vault`'s passwords. */
export async function loadVarsFile(path: string, vault?: VaultKeyring): Promise<Vars> {
  checkTrustedFile(path, 'vars file');
  const text = await readFile(path, 'utf8');
  const yaml = parseYamlFile(text, path, { vault });
  const root = yaml.doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return {};
  if (!isMap(root)) {
    throw new ConfigError({
      message: 'a vars file must be a mapping of variable names to values',
      loc: yaml.locOf(root),
      hint: 'write `name: value` lines at the top level',
    });
  }
  return yaml.toJS(root) as Vars;
}

/** group_vars/ and host_vars/ of one inventory directory. */
export class VarsDir {
  private readonly cache = new Map<string, Promise<Vars>>();
  // names present in group_vars/ and host_vars/, listed once, so a big inventory does not
  // cost four stat calls per host
  private readonly listings = new Map<string, Promise<Set<string>>>();
  constructor(
    readonly dir: string,
    private readonly vault?: VaultKeyring,
  ) {}

  private listing(sub: string): Promise<Set<string>> {
    let names = this.listings.get(sub);
    if (!names) {
      names = readdir(join(this.dir, sub)).then(
        (list) => new Set(list),
        () => new Set<string>(),
      );
      this.listings.set(sub, names);
    }
    return names;
  }

  groupVars(name: string): Promise<Vars> {
    return this.load('group_vars', name);
  }

  hostVars(name: string): Promise<Vars> {
    return this.load('host_vars', name);
  }

  private load(sub: 'group_vars' | 'host_vars', name: string): Promise<Vars> {
    // Ansible skips names that are absolute paths (chroot-style host names)
    if (name.startsWith('/')) return Promise.resolve({});
    const key = `${sub}/${name}`;
    let vars = this.cache.get(key);
    if (!vars) {
      vars = (async () => {
        const present = await this.listing(sub);
        if (!EXTENSIONS.some((ext) => present.has(name + ext))) return {};
        let merged: Vars = {};
        for (const file of await findVarsFiles(join(this.dir, sub), name)) {
          merged = { ...merged, ...(await loadVarsFile(file, this.vault)) };
        }
        return merged;
      })();
      this.cache.set(key, vars);
    }
    return vars;
  }
}
