/**
 * Which ansible.cfg applies, found as Ansible finds it (the first that exists and is readable):
 *
 *   1. $ANSIBLE_CONFIG (a file, or a directory holding ansible.cfg)
 *   2. ./ansible.cfg, unless the current directory is world-writable: anyone could have put it
 *      there, so it is skipped with a warning, as Ansible does
 *   3. ~/.ansible.cfg
 *   4. /etc/ansible/ansible.cfg
 */
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface FoundConfig {
  path?: string;
  warnings: string[];
}

export interface FindConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
  /** the system-wide file (a test may point it elsewhere) */
  systemFile?: string;
}

export function findAnsibleConfig(opts: FindConfigOptions = {}): FoundConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const home = opts.home ?? homedir();
  const candidates: string[] = [];
  const warnings: string[] = [];
  let fromEnv: string | undefined;
  if (env.ANSIBLE_CONFIG !== undefined) {
    fromEnv = resolve(cwd, env.ANSIBLE_CONFIG.replace(/^~(?=\/|$)/, home));
    if (isDir(fromEnv)) fromEnv = join(fromEnv, 'ansible.cfg');
    candidates.push(fromEnv);
  }
  const cwdFile = join(cwd, 'ansible.cfg');
  let skippedCwd = false;
  if (worldWritable(cwd)) skippedCwd = readable(cwdFile);
  else candidates.push(cwdFile);
  candidates.push(join(home, '.ansible.cfg'), opts.systemFile ?? '/etc/ansible/ansible.cfg');
  const path = candidates.find(readable);
  if (skippedCwd && (fromEnv === undefined || path !== fromEnv)) {
    warnings.push(`the current directory (${cwd}) is world-writable: its ansible.cfg is ignored, as Ansible ignores it (anyone could have written it); set ANSIBLE_CONFIG=${cwdFile} to use it anyway`);
  }
  return { path, warnings };
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function worldWritable(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}

function readable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
