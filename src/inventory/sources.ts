/**
 * What each `-i` argument stands for, decided as Ansible decides it:
 *
 *   node1,node2,        a host list (a comma and no such path)
 *   inventory/prod/     a directory: every inventory file in it, recursively, in sorted
 *                       order; group_vars/ and host_vars/ are read from this directory only
 *   hosts.ini           a file; group_vars/ and host_vars/ are read from its directory
 *
 * Inside a directory Ansible skips hidden entries, group_vars/, host_vars/, vars_plugins/ and
 * files ending in .ini .cfg .retry .orig .md .txt .rst .pyc .pyo .swp .bak .rpm or `~`.
 * Yes, .ini: a directory given to -i reads only its YAML (or extension-less) files.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';

export type SourceFormat = 'yaml' | 'ini' | 'guess';

export interface InventoryFile {
  path: string;
  format: SourceFormat;
}

export interface ExpandedSource {
  /** the `-i` argument as given */
  source: string;
  files: InventoryFile[];
  /** a comma-separated host list given inline */
  hostList?: string[];
  /** where group_vars/ and host_vars/ are looked for; none for a host list */
  varsDir?: string;
}

const IGNORED_NAMES = [/^\./, /^host_vars$/, /^group_vars$/, /^vars_plugins$/];
const IGNORED_EXTENSIONS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];

export function ignoredInDirectory(name: string): boolean {
  return IGNORED_NAMES.some((re) => re.test(name)) || IGNORED_EXTENSIONS.some((ext) => name.endsWith(ext));
}

export function formatOf(path: string): SourceFormat {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot).toLowerCase() : '';
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') return 'yaml';
  if (ext === '.toml') {
    throw new ConfigError({
      message: `TOML inventories are not supported (${path})`,
      hint: 'convert it with `ansible-inventory -i FILE --list --yaml --export > hosts.yaml`',
    });
  }
  return ext === '' ? 'guess' : 'ini';
}

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

async function filesUnder(dir: string): Promise<InventoryFile[]> {
  const files: InventoryFile[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (ignoredInDirectory(name)) continue;
    const full = join(dir, name);
    const kind = await kindOf(full);
    if (kind === 'dir') files.push(...(await filesUnder(full)));
    else if (kind === 'file') files.push({ path: full, format: formatOf(full) });
  }
  return files;
}

export async function expandSource(source: string): Promise<ExpandedSource> {
  const kind = await kindOf(source);
  if (kind === 'dir') {
    const files = await filesUnder(source);
    if (files.length === 0) {
      throw new ConfigError({
        message: `inventory directory \`${source}\` holds no inventory file`,
        hint: 'inside a directory, as in Ansible, *.ini files are skipped: name the file with -i, or use YAML',
      });
    }
    return { source, files, varsDir: source };
  }
  if (kind === 'file') return { source, files: [{ path: source, format: formatOf(source) }], varsDir: dirname(source) };
  if (source.includes(',')) {
    return { source, files: [], hostList: source.split(',').map((h) => h.trim()).filter((h) => h !== '') };
  }
  let siblings: string[] = [];
  try {
    siblings = (await readdir(dirname(source))).map((n) => join(dirname(source), n));
  } catch {
    // the directory is missing too; nothing to suggest
  }
  throw new ConfigError({
    message: `inventory source \`${source}\` does not exist;${didYouMean(source, siblings) || ' check the path'}`,
    hint: 'give -i a file, a directory, or a host list such as `node1,node2,`',
  });
}
