/**
 * The settings runbook takes from ansible.cfg and the environment, each with where it came from.
 * Precedence, highest first, as in Ansible: the command line, the environment, the config file,
 * the default. Paths in the config file are relative to the file, as in Ansible.
 *
 * Ansible's own settings ([defaults], [ssh_connection]) that runbook has no use for are ignored,
 * as a real ansible.cfg has dozens; `runbook config` lists them. The [runbook] section is
 * runbook's alone, so a key there that runbook does not know is an error, with a suggestion.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { findAnsibleConfig, type FindConfigOptions } from './find.js';
import { parseAnsibleIni, type IniSections } from './ini.js';

type Kind = 'string' | 'path' | 'pathlist' | 'list' | 'int' | 'bool' | 'output';

export interface SettingDef {
  name: string;
  section: 'defaults' | 'ssh_connection' | 'runbook';
  env: string;
  kind: Kind;
  /** what it does in runbook */
  description: string;
}

export const SETTINGS: SettingDef[] = [
  { name: 'inventory', section: 'defaults', env: 'ANSIBLE_INVENTORY', kind: 'pathlist', description: '-i when none is given (comma-separated)' },
  { name: 'remote_user', section: 'defaults', env: 'ANSIBLE_REMOTE_USER', kind: 'string', description: '-u: SSH user when the inventory names none' },
  { name: 'private_key_file', section: 'defaults', env: 'ANSIBLE_PRIVATE_KEY_FILE', kind: 'path', description: '--private-key: SSH key when the inventory names none' },
  { name: 'forks', section: 'defaults', env: 'ANSIBLE_FORKS', kind: 'int', description: '-f: hosts a task runs on at once' },
  { name: 'host_key_checking', section: 'defaults', env: 'ANSIBLE_HOST_KEY_CHECKING', kind: 'bool', description: 'false: trust and record keys of new hosts (--accept-new-host-keys); a changed key is still refused' },
  { name: 'timeout', section: 'defaults', env: 'ANSIBLE_TIMEOUT', kind: 'int', description: '--connect-timeout, in seconds' },
  { name: 'vault_password_file', section: 'defaults', env: 'ANSIBLE_VAULT_PASSWORD_FILE', kind: 'path', description: 'a vault password file (after --vault-password-file)' },
  { name: 'vault_identity_list', section: 'defaults', env: 'ANSIBLE_VAULT_IDENTITY_LIST', kind: 'list', description: 'vault ids LABEL@SOURCE (before --vault-id)' },
  { name: 'ssh_args', section: 'ssh_connection', env: 'ANSIBLE_SSH_ARGS', kind: 'string', description: 'read for -F, UserKnownHostsFile, StrictHostKeyChecking, ConnectTimeout, User, IdentityFile' },
  { name: 'runs_dir', section: 'runbook', env: 'RUNBOOK_RUNS_DIR', kind: 'path', description: '--runs-dir: where run records go' },
  { name: 'locks_dir', section: 'runbook', env: 'RUNBOOK_LOCKS_DIR', kind: 'path', description: '--locks-dir: where lock files go' },
  { name: 'output', section: 'runbook', env: 'RUNBOOK_OUTPUT', kind: 'output', description: '-o: tty, plain or json' },
  { name: 'known_hosts', section: 'runbook', env: 'RUNBOOK_KNOWN_HOSTS', kind: 'path', description: '--known-hosts' },
  { name: 'ssh_config', section: 'runbook', env: 'RUNBOOK_SSH_CONFIG', kind: 'path', description: '--ssh-config' },
];

export type SettingValue = string | number | boolean | string[];

export interface Setting {
  def: SettingDef;
  value: SettingValue;
  /** `env: ANSIBLE_FORKS`, or `/etc/ansible/ansible.cfg:12` */
  origin: string;
}

export interface LoadedSettings {
  /** the config file read, if any */
  file?: string;
  settings: Map<string, Setting>;
  /** keys of the file's Ansible sections that runbook does not use */
  ignored: string[];
  warnings: string[];
}

export function loadSettings(opts: FindConfigOptions = {}): LoadedSettings {
  const env = opts.env ?? process.env;
  const found = findAnsibleConfig(opts);
  const settings = new Map<string, Setting>();
  const problems: ConfigProblem[] = [];
  const ignored: string[] = [];
  let ini: IniSections = new Map();
  if (found.path) ini = parseAnsibleIni(readFileSync(found.path, 'utf8'), found.path);
  const file = found.path;
  const base = file ? dirname(file) : (opts.cwd ?? process.cwd());

  for (const def of SETTINGS) {
    const raw = env[def.env];
    if (raw !== undefined && raw !== '') {
      try {
        settings.set(def.name, { def, value: convert(def, raw, opts.cwd ?? process.cwd()), origin: `env: ${def.env}` });
      } catch (e) {
        problems.push({ message: `${def.env}: ${(e as Error).message}` });
      }
      continue;
    }
    const entry = ini.get(def.section)?.get(def.name);
    if (entry && file) {
      try {
        settings.set(def.name, { def, value: convert(def, entry.value, base), origin: `${file}:${entry.line}` });
      } catch (e) {
        problems.push({ message: `[${def.section}] ${def.name}: ${(e as Error).message}`, loc: { file, line: entry.line, col: entry.col } });
      }
    }
  }
  for (const [section, entries] of ini) {
    const known = SETTINGS.filter((d) => d.section === section).map((d) => d.name);
    for (const [key, entry] of entries) {
      if (known.includes(key)) continue;
      if (section === 'runbook') {
        problems.push({
          message: `[runbook] has no setting \`${key}\`;${didYouMean(key, known) || ` its settings are ${known.join(', ')}`}`,
          loc: { file: file!, line: entry.line, col: entry.col },
        });
      } else ignored.push(`[${section}] ${key}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { file, settings, ignored, warnings: found.warnings };
}

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

function convert(def: SettingDef, raw: string, base: string): SettingValue {
  const text = raw.trim();
  switch (def.kind) {
    case 'string':
      return unquote(text);
    case 'path':
      return toPath(unquote(text), base);
    case 'pathlist':
      return splitList(text).map((p) => toPath(p, base));
    case 'list':
      return splitList(text);
    case 'int': {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) throw new Error(`must be a whole number of at least 1, got \`${text}\``);
      return n;
    }
    case 'bool': {
      const v = text.toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      throw new Error(`must be true or false, got \`${text}\``);
    }
    case 'output':
      if (!['tty', 'plain', 'json'].includes(text)) throw new Error(`must be tty, plain or json, got \`${text}\``);
      return text;
  }
}

function unquote(s: string): string {
  return s.length > 1 && (s[0] === '"' || s[0] === "'") && s.endsWith(s[0]) ? s.slice(1, -1) : s;
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => unquote(s.trim())).filter(Boolean);
}

function toPath(p: string, base: string): string {
  const home = p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
  return isAbsolute(home) ? home : resolve(base, home);
}
