/**
 * How to reach a host, read from its vars under either spelling:
 *
 *   Ansible's names (`ansible_host`, `ansible_user`, ...), so Ansible inventories work as
 *   they are, including the older `ansible_ssh_*` aliases Ansible still accepts;
 *   runbook's short names (`host`, `user`, ...), which win when both are set.
 *
 * Among Ansible's aliases the later one in Ansible's own list wins (ansible_ssh_host over
 * ansible_host), as Ansible's config manager does.
 */
import { ConfigError } from '../errors.js';
import { shlexSplit } from './shlex.js';
import type { Vars } from './types.js';

export interface ConnectionVars {
  address?: string;
  port?: number;
  user?: string;
  keyFile?: string;
  password?: string;
  become?: boolean;
  becomeUser?: string;
  becomePassword?: string;
  connection?: 'ssh' | 'local';
  /** `[user@]host[:port]`, comma-separated for several hops, as ssh's -J */
  proxyJump?: string;
  knownHosts?: string;
  /** `-o GlobalKnownHostsFile=...` in the ssh args ([] for `none`) */
  globalKnownHosts?: string[];
  /** `-o HostKeyAlias=...` in the ssh args */
  hostKeyAlias?: string;
  /** options in ansible_ssh_common_args / ansible_ssh_extra_args that runbook does not apply */
  ignoredSshArgs?: string[];
}

/** field -> [runbook's name, Ansible's names in Ansible's order (the last one set wins)] */
export const CONNECTION_VAR_NAMES = {
  address: ['host', 'ansible_host', 'ansible_ssh_host'],
  port: ['port', 'ansible_port', 'ansible_ssh_port'],
  user: ['user', 'ansible_user', 'ansible_ssh_user'],
  keyFile: ['key_file', 'ansible_private_key_file', 'ansible_ssh_private_key_file'],
  password: ['password', 'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'],
  become: ['become', 'ansible_become'],
  becomeUser: ['become_user', 'ansible_become_user', 'ansible_sudo_user'],
  becomePassword: ['become_password', 'ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'],
  connection: ['connection', 'ansible_connection'],
  proxyJump: ['proxy_jump'],
  knownHosts: ['known_hosts', 'runbook_known_hosts'],
} as const satisfies Record<string, readonly string[]>;

type Field = keyof typeof CONNECTION_VAR_NAMES;

/** The value for a field and the variable it came from. */
function pick(vars: Vars, field: Field): { name: string; value: unknown } | undefined {
  const [short, ...ansible] = CONNECTION_VAR_NAMES[field];
  if (vars[short] !== undefined && vars[short] !== null) return { name: short, value: vars[short] };
  let found: { name: string; value: unknown } | undefined;
  for (const name of ansible) {
    if (vars[name] !== undefined && vars[name] !== null) found = { name, value: vars[name] };
  }
  return found;
}

function bad(name: string, value: unknown, expected: string): never {
  throw new ConfigError({ message: `\`${name}\` is ${JSON.stringify(value)}, expected ${expected}`, key: name });
}

function asString(p: { name: string; value: unknown }): string {
  if (typeof p.value === 'string') return p.value;
  if (typeof p.value === 'number') return String(p.value);
  return bad(p.name, p.value, 'a string');
}

function asPort(p: { name: string; value: unknown }): number {
  const n = typeof p.value === 'string' && /^\s*\d+\s*$/.test(p.value) ? Number(p.value) : p.value;
  if (typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536) return n;
  return bad(p.name, p.value, 'a port number (1-65535)');
}

/** Ansible's boolean(): yes/no, true/false, on/off, 1/0, in any case. */
export function ansibleBoolean(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['yes', 'on', '1', 'true', 'y', 't'].includes(v)) return true;
    if (['no', 'off', '0', 'false', 'n', 'f', ''].includes(v)) return false;
  }
  return bad(name, value, 'a boolean (true/false, yes/no)');
}

function asConnection(p: { name: string; value: unknown }): 'ssh' | 'local' {
  const v = asString(p);
  // `smart` and `paramiko` are Ansible's other ways of saying "over ssh"
  if (['ssh', 'smart', 'paramiko', 'paramiko_ssh', 'ansible.builtin.ssh', 'ansible.builtin.paramiko_ssh'].includes(v)) return 'ssh';
  if (v === 'local' || v === 'ansible.builtin.local') return 'local';
  return bad(p.name, p.value, '`ssh` or `local` (runbook connects over ssh or runs locally)');
}

/**
 * The ProxyJump (and known_hosts file) hidden in ssh arguments:
 * `-J bastion`, `-o ProxyJump=bastion`, or the classic
 * `-o ProxyCommand="ssh -W %h:%p -q user@bastion -p 2222"`.
 */
export function sshArgsConnection(args: string): { proxyJump?: string; knownHosts?: string; globalKnownHosts?: string[]; hostKeyAlias?: string; ignored: string[] } {
  const words = shlexSplit(args).map((w) => w.text);
  const out: { proxyJump?: string; knownHosts?: string; globalKnownHosts?: string[]; hostKeyAlias?: string; ignored: string[] } = { ignored: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let option: string | undefined;
    if (w === '-o' && i + 1 < words.length) option = words[++i];
    else if (w.startsWith('-o') && w.length > 2) option = w.slice(2);
    else if (w === '-J' && i + 1 < words.length) option = `ProxyJump=${words[++i]}`;
    else if (w.startsWith('-J') && w.length > 2) option = `ProxyJump=${w.slice(2)}`;
    if (option === undefined) {
      out.ignored.push(w);
      continue;
    }
    const m = /^\s*(\w+)\s*(?:=|\s)\s*(.*)$/.exec(option);
    const key = m?.[1]?.toLowerCase();
    const value = m?.[2]?.trim() ?? '';
    // as in ssh, the first value given for an option is the one used
    if (key === 'proxyjump' && out.proxyJump === undefined) out.proxyJump = value;
    else if (key === 'proxycommand' && out.proxyJump === undefined && proxyCommandJump(value)) out.proxyJump = proxyCommandJump(value);
    else if (key === 'userknownhostsfile' && out.knownHosts === undefined && value !== '/dev/null') out.knownHosts = value;
    else if (key === 'globalknownhostsfile' && out.globalKnownHosts === undefined) out.globalKnownHosts = value.split(/\s+/).filter((f) => f !== '' && f.toLowerCase() !== 'none' && f !== '/dev/null');
    else if (key === 'hostkeyalias' && out.hostKeyAlias === undefined && value !== '') out.hostKeyAlias = value;
    else out.ignored.push(`-o ${option}`);
  }
  return out;
}

/** `ssh [-q] [-p PORT] [-l USER] -W %h:%p [USER@]HOST` -> `USER@HOST:PORT`; anything else is not a plain jump */
function proxyCommandJump(command: string): string | undefined {
  const words = shlexSplit(command).map((w) => w.text);
  if (words[0] !== 'ssh' || !words.includes('-W')) return undefined;
  let port: string | undefined;
  let user: string | undefined;
  let host: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-W') i++;
    else if (w === '-p') port = words[++i];
    else if (w === '-l') user = words[++i];
    else if (w === '-q' || w === '-T' || w === '-A') continue;
    else if (w.startsWith('-')) return undefined; // an option we cannot carry over
    else if (host === undefined) host = w;
    else return undefined;
  }
  if (!host) return undefined;
  if (user && !host.includes('@')) host = `${user}@${host}`;
  return port ? `${host}:${port}` : host;
}

/** Normalise a host's merged vars into one typed object (docs/inventory.md has the table). */
export function connectionVars(vars: Vars): ConnectionVars {
  const result: ConnectionVars = {};
  const str = (field: Field) => {
    const p = pick(vars, field);
    return p ? asString(p) : undefined;
  };
  result.address = str('address');
  const port = pick(vars, 'port');
  if (port) result.port = asPort(port);
  result.user = str('user');
  result.keyFile = str('keyFile');
  result.password = str('password');
  const become = pick(vars, 'become');
  if (become) result.become = ansibleBoolean(become.name, become.value);
  result.becomeUser = str('becomeUser');
  result.becomePassword = str('becomePassword');
  const connection = pick(vars, 'connection');
  if (connection) result.connection = asConnection(connection);
  result.proxyJump = str('proxyJump');
  result.knownHosts = str('knownHosts');

  const ignored: string[] = [];
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const args = vars[name];
    if (args === undefined || args === null || args === '') continue;
    if (typeof args !== 'string') bad(name, args, 'a string of ssh arguments');
    const found = sshArgsConnection(args);
    result.proxyJump ??= found.proxyJump;
    result.knownHosts ??= found.knownHosts;
    result.globalKnownHosts ??= found.globalKnownHosts;
    result.hostKeyAlias ??= found.hostKeyAlias;
    ignored.push(...found.ignored);
  }
  if (ignored.length > 0) result.ignoredSshArgs = ignored;

  for (const key of Object.keys(result) as (keyof ConnectionVars)[]) {
    if (result[key] === undefined) delete result[key];
  }
  return result;
}
