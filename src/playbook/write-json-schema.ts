/**
 * `npm run schema`: write schema/playbook.schema.json from the playbook and module schemas.
 * The file is committed; a unit test fails when it no longer matches what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playbookJsonSchemaText } from './json-schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/playbook.schema.json', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, playbookJsonSchemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
