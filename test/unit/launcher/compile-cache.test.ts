/**
 * The launcher's code cache: real V8 caches, a real launcher bundle run by a real node, a tiny
 * stand-in for the build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { build } from 'esbuild';
import { cacheFileName, compileBuild, writeCache } from '../../../src/launcher/compile-cache.js';
import { tempDir } from '../modules/support/context.js';

const BUILD_SOURCE = `'use strict';
function greet(who) { return 'hello ' + who + ' from ' + require('node:path').basename(__filename); }
process.stdout.write(greet(process.argv[2] ?? 'nobody') + '\\n');
`;

test('the cache name follows the build: another build never gets this one', (t) => {
  const bytes = Buffer.from(BUILD_SOURCE);
  t.is(cacheFileName(bytes), cacheFileName(Buffer.from(BUILD_SOURCE)));
  t.not(cacheFileName(bytes), cacheFileName(Buffer.from(`${BUILD_SOURCE} `)));
  t.regex(cacheFileName(bytes), /^runbook-[0-9a-f]{20}\.v8cache$/);
});

/** what the build step writes, for the stand-in: the cache of the compiled build */
const cacheOf = (path: string, source: string): Buffer => compileBuild(path, source).createCachedData();

test('a cache is accepted by V8 for its build and rejected for another', (t) => {
  const data = cacheOf('/x/runbook.cjs', BUILD_SOURCE);
  t.true(data.length > 0);
  t.false(compileBuild('/x/runbook.cjs', BUILD_SOURCE, data).cachedDataRejected);
  const other = `${BUILD_SOURCE}\nfunction more() { return 42; }\n`;
  t.true(compileBuild('/x/runbook.cjs', other, data).cachedDataRejected);
});

test("writing a cache replaces other builds' caches and leaves other files alone", async (t) => {
  const dir = await tempDir(t, 'runbook-launcher-');
  writeFileSync(join(dir, 'runbook-00000000000000000000.v8cache'), 'old build');
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  t.true(writeCache(dir, 'runbook-11111111111111111111.v8cache', Buffer.from('new build')));
  t.deepEqual(readdirSync(dir).sort(), ['notes.txt', 'runbook-11111111111111111111.v8cache']);
  t.false(writeCache(join(dir, 'notes.txt', 'sub'), 'runbook-1.v8cache', Buffer.from('x')), 'an unwritable dir is not an error');
});

test('the launcher runs the build with the cache beside it, else writes the user cache, and survives a corrupt one', async (t) => {
  const dir = await tempDir(t, 'runbook-launcher-');
  const dist = join(dir, 'dist');
  await build({ entryPoints: ['src/launcher/main.ts'], bundle: true, platform: 'node', format: 'esm', outfile: join(dist, 'cli.js'), logLevel: 'silent' });
  writeFileSync(join(dist, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dist, 'runbook.cjs'), BUILD_SOURCE);
  const userCache = join(dir, 'cache');
  const run = (env: Record<string, string> = {}) =>
    execFileSync(process.execPath, [join(dist, 'cli.js'), 'ops'], { encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: join(dir, 'cache'), ...env } });
  const name = cacheFileName(Buffer.from(BUILD_SOURCE));

  // no cache anywhere: it runs, and leaves one for the next run
  t.is(run(), 'hello ops from runbook.cjs\n');
  const written = join(userCache, 'runbook', name);
  t.true(existsSync(written));
  t.false(compileBuild(join(dist, 'runbook.cjs'), BUILD_SOURCE, readFileSync(written)).cachedDataRejected, 'V8 takes the cache it wrote');

  // a corrupt user cache: still runs, and the cache is written again
  writeFileSync(written, 'not a V8 cache');
  t.is(run(), 'hello ops from runbook.cjs\n');
  t.not(readFileSync(written, 'utf8'), 'not a V8 cache');

  // the build's own cache is taken as it is: nothing is written for the user
  rmSync(userCache, { recursive: true });
  writeFileSync(join(dist, name), cacheOf(join(dist, 'runbook.cjs'), BUILD_SOURCE));
  t.is(run(), 'hello ops from runbook.cjs\n');
  t.false(existsSync(userCache));

  // RUNBOOK_COMPILE_CACHE=0: no cache read or written
  rmSync(join(dist, name));
  t.is(run({ RUNBOOK_COMPILE_CACHE: '0' }), 'hello ops from runbook.cjs\n');
  t.false(existsSync(userCache));
});
