/**
 * The playbook schema as JSON Schema (draft-07), for editors: with
 * `# yaml-language-server: $schema=<path>/schema/playbook.schema.json` at the top of a
 * playbook, VS Code's YAML extension completes play, task and module argument names and shows
 * their descriptions. Built from the same zod schema `loadPlaybook` validates with, and from
 * each module's own argument schema.
 */
import { z } from 'zod';
import { moduleNames, getModule } from '../modules/registry.js';
import type { Module } from '../modules/types.js';
import { buildSchemas } from './schema.js';

type Json = Record<string, unknown>;

const TEMPLATE_STRING = { type: 'string', pattern: '\\{\\{|\\{%', description: 'a template, checked after rendering' };

/**
 * A module argument may be a template (`port: "{{ client_port }}"`) whatever its type; the
 * editor must not flag it. Every constrained value also accepts a template string.
 */
export function allowTemplates(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowTemplates);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    // `properties` maps names to schemas; the names themselves are not schemas
    out[k] = k === 'properties' || k === 'definitions' || k === 'patternProperties' ? mapValues(v as Json, allowTemplates) : allowTemplates(v);
  }
  const constrained = ('type' in out && out.type !== 'string') || 'enum' in out || 'const' in out || 'pattern' in out || 'format' in out;
  if (!constrained) return out;
  const { description, ...rest } = out;
  return { ...(description !== undefined ? { description } : {}), anyOf: [rest, TEMPLATE_STRING] };
}

function mapValues(obj: Json, f: (v: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v)]));
}

/** `#/definitions/x` inside a module's own schema, moved under the playbook schema's definitions */
function rehome(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rehome(n, prefix));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/definitions/', `#/definitions/${prefix}.`) : rehome(v, prefix)]),
  );
}

function moduleDefinitions(module: Module): Record<string, Json> {
  const own = z.toJSONSchema(module.schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Json;
  const { $schema: _, definitions, ...args } = own;
  const id = `module.${module.name}`;
  const forms: unknown[] = [rehome(allowTemplates(args), id)];
  if (module.freeForm) forms.push({ type: 'string', description: `shorthand for \`${module.freeForm}\`` });
  forms.push({ type: 'null', description: 'no arguments' });
  const out: Record<string, Json> = {
    [id]: { description: `${module.summary}${module.readOnly ? ' (read-only)' : ''}`, anyOf: forms },
  };
  for (const [name, def] of Object.entries((definitions ?? {}) as Json)) out[`${id}.${name}`] = rehome(allowTemplates(def), id) as Json;
  return out;
}

/** The whole playbook JSON Schema for the modules registered now. */
export function playbookJsonSchema(): Json {
  const markers = new Map<z.ZodType, Module>();
  const schemas = buildSchemas(
    (m) => {
      const marker = z.unknown();
      markers.set(marker, m);
      return marker;
    },
    { legacy: false, ids: true },
  );
  const json = z.toJSONSchema(schemas.playbook, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const m = markers.get(ctx.zodSchema as unknown as z.ZodType);
      if (!m) return;
      const target = ctx.jsonSchema as Json;
      for (const k of Object.keys(target)) delete target[k];
      target.$ref = `#/definitions/module.${m.name}`;
    },
  }) as Json;
  const definitions = { ...((json.definitions ?? {}) as Json) };
  for (const name of moduleNames()) Object.assign(definitions, moduleDefinitions(getModule(name)!));
  const { $schema, ...rest } = json;
  return {
    $schema,
    title: 'runbook playbook',
    ...rest,
    definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The text of schema/playbook.schema.json */
export function playbookJsonSchemaText(): string {
  return `${JSON.stringify(playbookJsonSchema(), null, 2)}\n`;
}
