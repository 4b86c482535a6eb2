import { kindOf } from '../describe-value.js';
import { visibleNames } from '../names.js';

/** Argument checks that name what was expected and what came: "expected a list, got a mapping". */
export function expectList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  throw new Error(`expected a list, got ${kindOf(value)}`);
}

/** lists, and the other things Jinja iterates: a mapping's keys, a string's characters */
export function asSequence(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value instanceof Set) return [...value];
  if (value instanceof Map) return [...value.keys()];
  if (value !== null && typeof value === 'object') return visibleNames(value);
  throw new Error(`expected a list, got ${kindOf(value)}`);
}

export function expectMapping(value: unknown): Record<string, unknown> {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // a layered scope (hostvars of a host) has names on its prototypes too
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(visibleNames(obj).map((k) => [k, obj[k]]));
  }
  throw new Error(`expected a mapping, got ${kindOf(value)}`);
}

export function expectString(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new Error(`expected a string, got ${kindOf(value)}`);
}
