/**
 * Name lookup on variable scopes. The engine layers scopes with prototypes (a task's vars
 * inherit the play's, which inherit the host's) and renders templated values lazily through
 * getters, so lookups walk the prototype chain, stop at Object.prototype (`toString` is not a
 * variable), and read only the name asked for.
 */
export function hasName(scope: object, name: string): boolean {
  for (let o: object | null = scope; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    if (Object.prototype.hasOwnProperty.call(o, name)) return true;
  }
  return false;
}

/** Every enumerable name visible in a scope, nearest layer first. */
export function visibleNames(scope: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = scope; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.keys(o)) names.add(k);
  }
  return [...names];
}

/**
 * A plain copy of a value whose mappings may be layered scopes (hostvars of a host), for
 * printing or converting: every visible name, nearest layer winning.
 */
export function toPlain(value: unknown, depth = 0): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1));
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toPlain(v, depth + 1)]));
  if (value instanceof Set) return [...value].map((v) => toPlain(v, depth + 1));
  if (value instanceof Date) return value;
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(visibleNames(obj).map((k) => [k, toPlain(obj[k], depth + 1)]));
}
