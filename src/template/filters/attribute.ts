import { hasName } from '../names.js';

/**
 * `attribute='a.b'` / `attribute=0` as Jinja's map/selectattr/sort read it: dotted path,
 * integer parts index lists. A missing part gives undefined (selectattr('x', 'defined') must work).
 */
export function getAttribute(value: unknown, path: unknown): unknown {
  const parts = typeof path === 'number' ? [path] : String(path).split('.');
  let cur: unknown = value;
  for (const part of parts) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur) && /^-?\d+$/.test(String(part))) {
      const i = Number(part);
      cur = cur[i < 0 ? cur.length + i : i];
    } else if (cur instanceof Map) {
      cur = cur.get(part);
    } else if (typeof cur === 'object' && hasName(cur, String(part))) {
      cur = (cur as Record<string, unknown>)[String(part)];
    } else {
      return undefined;
    }
  }
  return cur;
}
