import { normalizeRemotePath } from './schema-fields.js';

/**
 * Paths that no runbook step should ever delete: a typo or an empty variable in
 * `path: "{{ data_dir }}/.."` must not take a host down. Top-level directories are refused as a
 * rule; below them, the places whose loss breaks the OS or the control plane.
 */
const CRITICAL = new Set([
  '/usr/bin',
  '/usr/sbin',
  '/usr/lib',
  '/usr/lib64',
  '/usr/local',
  '/usr/share',
  '/var/lib',
  '/var/log',
  '/var/run',
  '/etc/kubernetes',
  '/etc/kubernetes/pki',
  '/etc/kubernetes/manifests',
  '/etc/ssh',
  '/etc/systemd',
  '/etc/ssl',
  '/etc/pki',
  '/etc/sudoers.d',
]);

/** Why `path` must not be removed, or undefined when removing it is allowed. */
export function refuseRemoval(path: string): string | undefined {
  if (path.trim() === '') return 'refusing to remove an empty path';
  if (!path.startsWith('/')) return `refusing to remove a relative path (${path})`;
  const p = normalizeRemotePath(path);
  if (p === '/') return 'refusing to remove /';
  if (p.split('/').length <= 2) return `refusing to remove the top-level directory ${p}`;
  if (CRITICAL.has(p)) return `refusing to remove ${p}: it is on the list of critical system paths`;
  return undefined;
}
