#!/usr/bin/env node
/**
 * The `runbook` command as installed: runs the one-file build (dist/runbook.cjs) with a V8
 * code cache (see compile-cache.ts): the user's own if V8 takes it, else the one the build
 * wrote beside it, else none, and then the run writes the user's own at exit for the next one.
 * RUNBOOK_COMPILE_CACHE=0 runs without any cache.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { Script } from 'node:vm';
import { cacheFileName, compileBuild, readCache, runBuild, userCacheDir, writeCache } from './compile-cache.js';

const here = dirname(fileURLToPath(import.meta.url));
const build = join(here, 'runbook.cjs');
const bytes = readFileSync(build);
const name = cacheFileName(bytes);
const source = bytes.toString('utf8');

const off = process.env.RUNBOOK_COMPILE_CACHE === '0';
const dir = off ? undefined : userCacheDir();
// the user's own first: it exists only because V8 once rejected the build's
const candidates = off ? [] : [dir === undefined ? undefined : join(dir, name), join(here, name)];
let script: Script | undefined;
let accepted = false;
for (const file of candidates) {
  const data = file === undefined ? undefined : readCache(file);
  if (data === undefined) continue;
  script = compileBuild(build, source, data);
  if (script.cachedDataRejected === false) {
    accepted = true;
    break;
  }
}
script ??= compileBuild(build, source);
if (!accepted && dir !== undefined) {
  const compiled = script;
  // at exit the cache holds every function this run compiled, not just the top level
  process.once('exit', () => writeCache(dir, name, compiled.createCachedData()));
}

runBuild(script, build);
