/**
 * V8 code caches for the one-file build (dist/runbook.cjs).
 *
 * Node 20 compiles the 4 MB build from source on every start: about 80 ms of a 0.5 s `apply`
 * of 20 tasks here. Node 22 has module.enableCompileCache() for that; Node 20 has nothing, so
 * the launcher hands V8 a cache itself. `npm run build` writes one next to the build, trained
 * on a small apply (prepare-cache.ts); when V8 rejects it (another Node than the one that
 * built), the first run writes its own to ~/.cache/runbook instead.
 *
 * A cache file is named by the sha256 of the build and Node's and V8's versions, so a rebuilt
 * or upgraded runbook never runs another build's compiled code.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const PREFIX = 'runbook-';
const SUFFIX = '.v8cache';

/** @param source the build's bytes (hashing them is 3 ms; hashing the decoded string, 7) */
export function cacheFileName(source: Buffer): string {
  const key = createHash('sha256').update(source).update(`\0${process.version}\0${process.arch}\0${process.versions.v8}`).digest('hex');
  return `${PREFIX}${key.slice(0, 20)}${SUFFIX}`;
}

/** the build as a CommonJS function, compiled with the cache when V8 takes it */
export function compileBuild(path: string, source: string, cachedData?: Buffer): Script {
  return new Script(Module.wrap(source), { filename: path, cachedData });
}

/** ~/.cache/runbook (or $XDG_CACHE_HOME/runbook); undefined when there is no home */
export function userCacheDir(): string | undefined {
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'runbook');
  try {
    const home = homedir();
    return home ? join(home, '.cache', 'runbook') : undefined;
  } catch {
    return undefined;
  }
}

export function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** atomically, dropping the caches of other builds in the same dir; a failure means no cache */
export function writeCache(dir: string, name: string, data: Buffer): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o644 });
    renameSync(tmp, file);
    for (const other of readdirSync(dir)) {
      if (other !== name && other.startsWith(PREFIX) && other.endsWith(SUFFIX)) rmSync(join(dir, other), { force: true });
    }
    return true;
  } catch {
    return false;
  }
}

type CommonJsMain = (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;

/** Run the compiled build as Node runs a CommonJS file: its `require` resolves from its folder. */
export function runBuild(script: Script, path: string): void {
  const module = { exports: {}, filename: path, id: path, loaded: false };
  (script.runInThisContext() as CommonJsMain).call(module.exports, module.exports, createRequire(path), module, path, dirname(path));
}
