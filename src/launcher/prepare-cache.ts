/**
 * Build step: write the code cache of dist/runbook.cjs beside it, so the first run of a fresh
 * build starts as fast as every later one. The cache is trained by one small apply of the
 * build itself (train-cache.ts), in a child process so its output and exit code are its own.
 *
 *   node dist/launcher/prepare-cache.js dist/runbook.cjs
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheFileName, readCache, writeCache } from './compile-cache.js';

const build = resolve(process.argv[2] ?? 'dist/runbook.cjs');
const name = cacheFileName(readFileSync(build));
const trained = join(dirname(build), `${name}.train`);
const trainer = fileURLToPath(new URL('train-cache.js', import.meta.url));

// no ssh-agent: the training server lets in only the key the run generated
const env = { ...process.env };
delete env.SSH_AUTH_SOCK;
const run = spawnSync(process.execPath, [trainer, build, trained], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, env });
const data = run.status === 0 ? readCache(trained) : undefined;
rmSync(trained, { force: true });
if (data === undefined) {
  // the training run is an apply of this very build: when it fails, so would the users'
  console.error(`the build's training run failed (${run.error?.message ?? `exit ${run.status ?? run.signal}`}); the build is not usable:\n${run.stdout}${run.stderr}`);
  process.exit(1);
}
if (!writeCache(dirname(build), name, data)) {
  console.error(`could not write the code cache ${name} beside ${build}; runbook still works, it compiles on every start`);
}
