import { ConfigError } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import { isTemplate, renderValue } from '../template/index.js';

/** true when a value holds a template anywhere inside it (plain data only: no getters run) */
export function containsTemplate(v: unknown): boolean {
  if (typeof v === 'string') return isTemplate(v);
  if (Array.isArray(v)) return v.some(containsTemplate);
  if (isPlainObject(v)) return Object.values(v).some(containsTemplate);
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!v || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** One layer of variables; `literal` layers are data that is never templated (results, facts). */
export interface VarLayer {
  vars: Vars;
  literal?: boolean;
}

/**
 * Merge variable layers, lowest precedence first, into one object whose templated values are
 * rendered lazily on first read (Ansible's behaviour: `peer: "https://{{ ansible_host }}:2380"`
 * works whichever layer defines `ansible_host`, and an undefined name in a variable nobody uses
 * is not an error). A variable that refers to itself is reported instead of recursing forever.
 * Values from literal layers (registered output, facts) are never rendered: a command's output
 * that happens to contain `{{` is data, as Ansible's "unsafe" marking makes it.
 */
export function layeredVars(layers: VarLayer[]): Vars {
  const merged: Vars = {};
  const literal = new Set<string>();
  for (const { vars, literal: isLiteral } of layers) {
    for (const [k, v] of Object.entries(vars)) {
      merged[k] = v;
      if (isLiteral) literal.add(k);
      else literal.delete(k);
    }
  }
  return lazyObject(merged, literal);
}

/**
 * A child scope: `extra` on top of `parent`, without reading (and so rendering) the parent's
 * values. `extra` is taken as it is (getters stay getters): loop items and built-ins are data,
 * not templates.
 */
export function overlay(parent: Vars, extra: Vars): Vars {
  return Object.create(parent, Object.getOwnPropertyDescriptors(extra)) as Vars;
}

function lazyObject(values: Vars, literal: ReadonlySet<string>): Vars {
  const out: Vars = Object.create(null);
  const resolving = new Set<string>();
  for (const [key, value] of Object.entries(values)) {
    if (literal.has(key) || !containsTemplate(value)) {
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    let cached: unknown;
    let done = false;
    Object.defineProperty(out, key, {
      enumerable: true,
      configurable: true,
      get() {
        if (done) return cached;
        if (resolving.has(key)) {
          throw new ConfigError({ message: `variable \`${key}\` refers to itself`, hint: 'break the cycle in its definition' });
        }
        resolving.add(key);
        try {
          cached = renderValue(value, out);
          done = true;
        } finally {
          resolving.delete(key);
        }
        return cached;
      },
    });
  }
  return out;
}
