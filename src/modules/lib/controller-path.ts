import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where a controller-side path in a task points. Relative paths are relative to the
 * playbook's directory (the engine sets `playbook_dir`), not to wherever runbook was started,
 * so a playbook behaves the same from any working directory. Like Ansible, `files/` (copy) or
 * `templates/` (template) next to the playbook is searched too.
 *
 *   resolveControllerPath({playbook_dir: '/pb'}, 'etcd.conf', 'files') -> '/pb/files/etcd.conf' (if only that exists)
 */
export function resolveControllerPath(vars: Record<string, unknown>, path: string, searchDir?: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  if (isAbsolute(path)) return path;
  const base = typeof vars.playbook_dir === 'string' ? vars.playbook_dir : process.cwd();
  const direct = resolve(base, path);
  if (searchDir === undefined || existsSync(direct)) return direct;
  const inSearchDir = resolve(base, searchDir, path);
  return existsSync(inSearchDir) ? inSearchDir : direct;
}
