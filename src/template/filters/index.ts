/**
 * Every filter templates may use, by name. Each is also reachable as `ansible.builtin.NAME`,
 * so expressions copied from Ansible playbooks work unchanged.
 */
import { dataFilters } from './data.js';
import type { FilterDef, Registry } from './define.js';
import { durationFilters } from './durations.js';
import { encodingFilters } from './encoding.js';
import { generalFilters } from './general.js';
import { listFilters } from './lists.js';
import { numberFilters } from './numbers.js';
import { regexFilters } from './regex.js';
import { stringFilters } from './strings.js';

export function allFilters(registry: Registry): Record<string, FilterDef> {
  return {
    ...generalFilters,
    ...stringFilters,
    ...numberFilters,
    ...durationFilters,
    ...encodingFilters,
    ...regexFilters,
    ...dataFilters,
    ...listFilters(registry),
  };
}
