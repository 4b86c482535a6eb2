/**
 * The name of a run's lock: the inventory and the play targets, e.g. `prod--etcd` for a
 * playbook with `hosts: etcd` run with `-i inventory/prod.yaml`.
 *
 * Built from file base names and the plays' `hosts:` patterns as written, not from absolute
 * paths, so schedulers on different machines (whose checkouts live in different directories)
 * name the same lock for the same job, and a `--limit` run still waits for a full run of the
 * same playbook targets. When the addresses of the targeted hosts are given, a short hash of
 * them is appended: two clusters whose inventories happen to share a file name (every
 * `inventory.yaml`) are different clusters and must not wait for each other.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

const MAX = 96;

export function runLockName(inventorySources: readonly string[], playTargets: readonly string[], hostAddresses: readonly string[] = []): string {
  const inventories = [...new Set(inventorySources.map((s) => basename(s.replace(/[/\\]+$/, '')).replace(/\.(ya?ml|ini|json|cfg)$/i, '')))].sort();
  const targets = [...new Set(playTargets.map((t) => t.trim()))].sort();
  const cluster = hostAddresses.length
    ? `@${createHash('sha256').update([...new Set(hostAddresses)].sort().join('\n')).digest('hex').slice(0, 8)}`
    : '';
  const name = `${inventories.join('+')}--${targets.join('+')}${cluster}`.replace(/[^A-Za-z0-9._+@-]+/g, '_');
  if (name.length <= MAX) return name;
  // long names keep a readable start and a hash of the whole, so two long names never meet
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${name.slice(0, MAX - 13)}-${hash}`;
}
