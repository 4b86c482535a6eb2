/**
 * Just enough of a JSON Schema (draft-07) validator to check that the generated playbook schema
 * accepts a good playbook and rejects a bad one, as an editor would.
 */
type Schema = Record<string, any>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validate(root: Schema, value: unknown, schema: Schema = root, path = '$'): string[] {
  if (schema.$ref) return validate(root, value, root.definitions[schema.$ref.replace('#/definitions/', '')], path);
  const errors: string[] = [];
  if (schema.anyOf && !schema.anyOf.some((s: Schema) => validate(root, value, s, path).length === 0)) errors.push(`${path}: matches no alternative`);
  if (schema.allOf) for (const s of schema.allOf) errors.push(...validate(root, value, s, path));
  if (schema.type) {
    const types = [schema.type].flat();
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [...errors, `${path}: expected ${types.join('|')}, got ${t}`];
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: not one of ${schema.enum.join(', ')}`);
  if (schema.const !== undefined && schema.const !== value) errors.push(`${path}: not ${schema.const}`);
  if (typeof value === 'string' && schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
  if (typeof value === 'number' && schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path}: too few items`);
    if (schema.items) value.forEach((v, i) => errors.push(...validate(root, v, schema.items, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${path}: missing ${key}`);
    for (const [k, v] of Object.entries(obj)) {
      if (schema.properties?.[k]) errors.push(...validate(root, v, schema.properties[k], `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unknown key ${k}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(root, v, schema.additionalProperties, `${path}.${k}`));
    }
  }
  return errors;
}

/** every `$ref` in the schema, for checking they all resolve */
export function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}
