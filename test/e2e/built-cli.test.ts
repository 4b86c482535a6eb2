/**
 * The build as installed: dist/runbook.cjs carries ssh2's JavaScript but must load ssh2's
 * native crypto addon from node_modules (without it ssh2 silently falls back to slower
 * JavaScript ciphers), and the code cache the build wrote beside it must be one V8 takes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { cacheFileName, compileBuild } from '../../src/launcher/compile-cache.js';
import { tempDir } from '../unit/modules/support/context.js';
import { cliCommand, repoRoot } from '../helpers/runbook-cli.js';

const dist = join(repoRoot, 'dist');
const SSH2_ADDON = join(repoRoot, 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');

test("the build loads ssh2's native crypto addon from node_modules", async (t) => {
  t.true(existsSync(SSH2_ADDON), `${SSH2_ADDON} was not built by npm ci: ssh2 would use its JavaScript ciphers`);
  const dir = await tempDir(t, 'runbook-built-');
  // every native addon a process loads goes through process.dlopen
  const preload = join(dir, 'log-dlopen.cjs');
  writeFileSync(preload, "const o = process.dlopen; process.dlopen = function (m, f, ...r) { process.stderr.write('dlopen ' + f + '\\n'); return o.call(this, m, f, ...r); };\n");
  const r = spawnSync(process.execPath, ['-r', preload, ...cliCommand(), '--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
  t.true(r.stderr.split('\n').includes(`dlopen ${SSH2_ADDON}`), r.stderr);
});

test('the code cache beside the build is the one for this build, and V8 takes it', (t) => {
  const build = join(dist, 'runbook.cjs');
  const bytes = readFileSync(build);
  const caches = readdirSync(dist).filter((f) => f.endsWith('.v8cache'));
  t.deepEqual(caches, [cacheFileName(bytes)], 'exactly one cache, named for this build');
  const script = compileBuild(build, bytes.toString('utf8'), readFileSync(join(dist, caches[0]!)));
  t.false(script.cachedDataRejected);
});
