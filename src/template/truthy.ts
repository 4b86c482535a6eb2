import { visibleNames } from './names.js';

/**
 * Truthiness of conditions (`when:`, `{% if %}`, `not`, `and`/`or`, `select`).
 *
 * Python's rule (empty string, list and mapping, 0 and None are false) plus Ansible's habit for
 * strings: "false", "no", "off", "0", "none" and "null" are false too. Variables given on the
 * command line (`-e dry_run=false`) are strings, and an operator who writes `when: not dry_run`
 * means the boolean, not "a non-empty string".
 */
export function truthy(value: unknown): boolean {
  if (typeof value === 'string') return !FALSE_STRINGS.has(value.trim().toLowerCase());
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (value !== null && typeof value === 'object') return visibleNames(value).length > 0;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return Boolean(value);
}

const FALSE_STRINGS = new Set(['', 'false', 'no', 'off', '0', 'none', 'null']);
