/**
 * Build step: write the code cache of dist/runbook.cjs beside it, every function compiled, so
 * the first run of a fresh build starts as fast as every later one.
 *
 *   node dist/launcher/prepare-cache.js dist/runbook.cjs
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cacheFileName, eagerCache, writeCache } from './compile-cache.js';

const build = resolve(process.argv[2] ?? 'dist/runbook.cjs');
const bytes = readFileSync(build);
const source = bytes.toString('utf8');
const name = cacheFileName(bytes);
if (!writeCache(dirname(build), name, eagerCache(build, source))) {
  console.error(`could not write the code cache ${name} beside ${build}; runbook still works, it compiles on every start`);
}
