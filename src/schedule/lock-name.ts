/**
 * The name of a run's lock: the inventory and the play targets, e.g. `prod--etcd` for a
 * playbook with `hosts: etcd` run with `-i inventory/prod.yaml`.
 *
 * Built from file base names and the plays' `hosts:` patterns as written, not from absolute
 * paths or resolved hosts, so schedulers on different machines (whose checkouts live in
 * different directories) name the same lock for the same job, and a `--limit` run still
 * waits for a full run of the same playbook targets.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

const MAX = 96;

export function runLockName(inventorySources: readonly string[], playTargets: readonly string[]): string {
  const inventories = [...new Set(inventorySources.map((s) => basename(s.replace(/[/\\]+$/, '')).replace(/\.(ya?ml|ini|json|cfg)$/i, '')))].sort();
  const targets = [...new Set(playTargets.map((t) => t.trim()))].sort();
  const name = `${inventories.join('+')}--${targets.join('+')}`.replace(/[^A-Za-z0-9._+-]+/g, '_');
  if (name.length <= MAX) return name;
  // long names keep a readable start and a hash of the whole, so two long names never meet
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${name.slice(0, MAX - 13)}-${hash}`;
}
