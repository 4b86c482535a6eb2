import { readFileSync } from 'node:fs';
import test from 'ava';
import { parse } from 'yaml';
import { playbookJsonSchema, playbookJsonSchemaText } from '../../../src/playbook/json-schema.js';
import { SCHEMA_FILE } from '../../../src/playbook/write-json-schema.js';
import { fixture } from './helpers.js';
import { refs, validate } from './mini-json-schema.js';

test('the committed schema/playbook.schema.json is what `npm run schema` writes', (t) => {
  t.is(readFileSync(SCHEMA_FILE, 'utf8'), playbookJsonSchemaText(), 'run `npm run schema` and commit the result');
});

test('it is a draft-07 JSON Schema whose references all resolve', (t) => {
  const schema = playbookJsonSchema();
  t.is(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const definitions = schema.definitions as Record<string, unknown>;
  for (const ref of refs(schema)) {
    t.true(ref.startsWith('#/definitions/'), ref);
    t.truthy(definitions[ref.slice('#/definitions/'.length)], ref);
  }
});

test('it knows every task key and every module, with argument schemas', (t) => {
  const schema = playbookJsonSchema() as { definitions: Record<string, { properties?: Record<string, unknown>; anyOf?: unknown[] }> };
  const task = schema.definitions.task!.properties!;
  for (const key of ['name', 'when', 'register', 'loop', 'rollback', 'notify', 'shell', 'ansible.builtin.shell', 'etcd_snapshot_save']) t.truthy(task[key], key);
  t.falsy(task['ansible.legacy.shell']);
  t.truthy(schema.definitions['module.copy']);
  t.truthy(schema.definitions.play!.properties!.preflight);
});

test('it accepts the valid fixture and templates in typed arguments', (t) => {
  const schema = playbookJsonSchema();
  t.deepEqual(validate(schema, parse(readFileSync(fixture('valid.yaml'), 'utf8'))), []);
  t.deepEqual(validate(schema, { hosts: 'all', tasks: [{ wait_for: { port: '{{ p }}' } }] }), []);
});

test('it rejects unknown keys, unknown module arguments and wrong types', (t) => {
  const schema = playbookJsonSchema();
  t.notDeepEqual(validate(schema, parse(readFileSync(fixture('unknown-key.yaml'), 'utf8'))), []);
  t.notDeepEqual(validate(schema, { hosts: 'all', tasks: [{ copy: { dset: '/x' } }] }), []);
  t.notDeepEqual(validate(schema, { hosts: 'all', tasks: [{ shell: 'x', retries: 'three' }] }), []);
  t.notDeepEqual(validate(schema, { tasks: [] }), []);
});
