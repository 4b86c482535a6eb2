import { readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { globMatch } from './known-hosts.js';
import { checkTrustedFile } from '../util/trusted-files.js';

/**
 * The subset of ~/.ssh/config (ssh_config(5)) that decides how to reach a host. Like OpenSSH,
 * blocks are read top to bottom and the first value of each keyword wins; IdentityFile and
 * UserKnownHostsFile values accumulate across blocks. `Include` reads other files in place, as
 * ssh does; `Match` blocks are not supported and are reported in `notes`.
 *
 *   const cfg = parseSshConfig(text, '~/.ssh/config');
 *   lookupSshConfig(cfg, 'db1')  -> { hostName: '10.0.0.5', user: 'ops', identityFiles: ['~/.ssh/ops'], ... }
 */
export interface SshConfig {
  file: string;
  blocks: SshConfigBlock[];
  /** what was read but not applied (Match, Include, unknown keywords worth mentioning) */
  notes: string[];
}

export interface SshConfigBlock {
  /** `Host` patterns; undefined for the lines before the first Host, which apply to every host */
  patterns?: string[];
  /** the `Host` patterns of the blocks this one was included from: each must match too */
  within?: string[][];
  line: number;
  options: { keyword: string; args: string[]; line: number }[];
}

/** Values for one host, still raw: `~` and `%` tokens are expanded by `expandTokens`. */
export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  proxyJump?: string;
  userKnownHostsFiles: string[];
  /** undefined: not set; [] for `none` */
  globalKnownHostsFiles?: string[];
  hostKeyAlias?: string;
  strictHostKeyChecking?: string;
  connectTimeoutSec?: number;
  serverAliveIntervalSec?: number;
  serverAliveCountMax?: number;
}

const APPLIED = new Set([
  'hostname',
  'user',
  'port',
  'identityfile',
  'identitiesonly',
  'proxyjump',
  'userknownhostsfile',
  'globalknownhostsfile',
  'hostkeyalias',
  'stricthostkeychecking',
  'connecttimeout',
  'serveraliveinterval',
  'serveralivecountmax',
]);

// keywords that change how a connection is made; silently ignoring them would surprise
const NOTED = new Set(['proxycommand', 'certificatefile', 'localforward', 'remoteforward', 'controlmaster', 'controlpath']);

export interface ParseOptions {
  /** where `Include` finds relative paths: ~/.ssh, as ssh does for a user's config */
  sshDir?: string;
}

/** ssh's limit on nested Includes */
const MAX_INCLUDE_DEPTH = 16;

export function parseSshConfig(text: string, file: string, opts: ParseOptions = {}): SshConfig {
  const config: SshConfig = { file, blocks: [], notes: [] };
  readInto(config, text, file, [], opts.sshDir ?? join(homedir(), '.ssh'), 0);
  return config;
}

/**
 * The lines of one file into `config`. `within`: the Host patterns around the Include that
 * brought this file in; they hold for every block of it, and they hold again for the lines of
 * the including block after the Include (ssh restores the block it was in).
 */
function readInto(config: SshConfig, text: string, file: string, within: string[][], sshDir: string, depth: number): void {
  let current: SshConfigBlock = { line: 0, options: [], ...(within.length ? { within } : {}) };
  config.blocks.push(current);
  let inMatch = false;
  text.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    const words = splitWords(raw.trim());
    if (words.length === 0 || words[0]!.startsWith('#')) return;
    const keyword = words[0]!.toLowerCase();
    const args = words.slice(1);
    if (keyword === 'host') {
      inMatch = false;
      current = { patterns: args, line: lineNo, options: [], ...(within.length ? { within } : {}) };
      config.blocks.push(current);
    } else if (keyword === 'match') {
      inMatch = true;
      config.notes.push(`${file}:${lineNo}: Match blocks are not supported; its settings are ignored`);
    } else if (inMatch) {
      // settings under an ignored Match must not leak into the preceding Host block
    } else if (keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        config.notes.push(`${file}:${lineNo}: Include nested more than ${MAX_INCLUDE_DEPTH} deep; ${args.join(' ')} was not read`);
        return;
      }
      const inner = current.patterns ? [...within, current.patterns] : within;
      for (const arg of args) {
        for (const path of includePaths(arg, sshDir, (note) => config.notes.push(`${file}:${lineNo}: ${note}`))) {
          checkTrustedFile(path, 'ssh config');
          let included: string;
          try {
            included = readFileSync(path, 'utf8');
          } catch (err) {
            // like ssh, a file that is not there is not an error
            const code = (err as NodeJS.ErrnoException).code;
            if (code !== 'ENOENT') config.notes.push(`${file}:${lineNo}: Include ${path} could not be read (${code ?? (err as Error).message})`);
            continue;
          }
          readInto(config, included, path, inner, sshDir, depth + 1);
        }
      }
      // the rest of this block still belongs to it
      current = { ...(current.patterns ? { patterns: current.patterns } : {}), line: lineNo, options: [], ...(within.length ? { within } : {}) };
      config.blocks.push(current);
    } else if (APPLIED.has(keyword)) {
      current.options.push({ keyword, args, line: lineNo });
    } else if (NOTED.has(keyword)) {
      config.notes.push(`${file}:${lineNo}: ${words[0]} is not supported and was ignored`);
    }
  });
}

/**
 * The files one `Include` argument names, sorted as ssh's glob does: `~` is the home folder,
 * a relative path is under ~/.ssh, and `*`, `?` and `[...]` may stand in the last part of the
 * path (`config.d/*.conf`). A pattern that matches nothing reads nothing, as in ssh.
 */
function includePaths(arg: string, sshDir: string, note: (text: string) => void): string[] {
  const home = homedir();
  const expanded = arg === '~' ? home : arg.startsWith('~/') ? home + arg.slice(1) : arg;
  const path = isAbsolute(expanded) ? expanded : join(sshDir, expanded);
  const dir = dirname(path);
  const name = basename(path);
  if (/[*?[]/.test(dir)) {
    note(`Include ${arg}: wildcards are supported in the last part of the path only; it was not read`);
    return [];
  }
  if (!/[*?[]/.test(name)) return [path];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.startsWith('.') && fileGlob(name).test(e))
    .sort()
    .map((e) => join(dir, e));
}

/** a file-name pattern as glob(3) reads it: `*`, `?`, `[abc]`, `[!abc]`; case matters */
function fileGlob(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const close = c === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (close > 0) {
      const set = pattern.slice(i + 1, close);
      re += `[${set.startsWith('!') ? `^${set.slice(1)}` : set}]`.replace(/\\/g, '\\\\');
      i = close;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Read an ssh config file (default ~/.ssh/config); a missing file is an empty config. */
export function loadSshConfig(file: string = join(homedir(), '.ssh', 'config'), opts: ParseOptions = {}): SshConfig {
  checkTrustedFile(file, 'ssh config');
  try {
    return parseSshConfig(readFileSync(file, 'utf8'), file, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, blocks: [], notes: [] };
    throw err;
  }
}

/** Collect the settings that apply to `host` (the name given to ssh, before HostName). */
export function lookupSshConfig(config: SshConfig, host: string): SshHostConfig {
  const out: SshHostConfig = { identityFiles: [], userKnownHostsFiles: [] };
  const seen = new Set<string>();
  for (const block of config.blocks) {
    if (block.patterns && !hostPatternsMatch(block.patterns, host)) continue;
    if (block.within && !block.within.every((patterns) => hostPatternsMatch(patterns, host))) continue;
    for (const { keyword, args } of block.options) {
      const value = args[0];
      if (value === undefined) continue;
      if (keyword === 'identityfile') {
        out.identityFiles.push(value);
        continue;
      }
      if (seen.has(keyword)) continue;
      seen.add(keyword);
      switch (keyword) {
        case 'hostname':
          out.hostName = value;
          break;
        case 'user':
          out.user = value;
          break;
        case 'port':
          out.port = positiveInt(value);
          break;
        case 'identitiesonly':
          out.identitiesOnly = value.toLowerCase() === 'yes';
          break;
        case 'proxyjump':
          // `none` disables a ProxyJump a later, broader block would set
          out.proxyJump = value.toLowerCase() === 'none' ? undefined : value;
          break;
        case 'userknownhostsfile':
          out.userKnownHostsFiles = args.filter((a) => a.toLowerCase() !== 'none');
          break;
        case 'globalknownhostsfile':
          out.globalKnownHostsFiles = args.filter((a) => a.toLowerCase() !== 'none');
          break;
        case 'hostkeyalias':
          out.hostKeyAlias = value;
          break;
        case 'stricthostkeychecking':
          out.strictHostKeyChecking = value.toLowerCase();
          break;
        case 'connecttimeout':
          out.connectTimeoutSec = positiveInt(value);
          break;
        case 'serveraliveinterval':
          out.serverAliveIntervalSec = positiveInt(value);
          break;
        case 'serveralivecountmax':
          out.serverAliveCountMax = positiveInt(value);
          break;
      }
    }
  }
  return out;
}

/** A `Host` line applies when a pattern matches and no negated (`!pat`) pattern does. */
export function hostPatternsMatch(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), host)) return false;
    } else if (globMatch(p, host)) {
      matched = true;
    }
  }
  return matched;
}

export interface TokenContext {
  /** the target's address after HostName (%h) */
  hostName: string;
  /** the name given to ssh (%n) */
  alias: string;
  /** remote user (%r) */
  user: string;
  port: number;
}

/** Expand a leading `~` and the `%h %n %r %u %p %d %%` tokens of ssh_config(5) in a path. */
export function expandTokens(value: string, ctx: TokenContext): string {
  const home = homedir();
  const expanded = value.replace(/%(.)/g, (whole, t: string) => {
    switch (t) {
      case 'h':
        return ctx.hostName;
      case 'n':
        return ctx.alias;
      case 'r':
        return ctx.user;
      case 'u':
        return localUser();
      case 'p':
        return String(ctx.port);
      case 'd':
        return home;
      case '%':
        return '%';
      default:
        return whole;
    }
  });
  if (expanded === '~') return home;
  return expanded.startsWith('~/') ? home + expanded.slice(1) : expanded;
}

export function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** Words of a config line: `Key value`, `Key=value`, `Key = value`, and "double quoted" arguments. */
function splitWords(line: string): string[] {
  const m = /^([^\s=]+)(?:\s*=\s*|\s+)?(.*)$/.exec(line);
  if (!m || m[1] === undefined) return [];
  const words = [m[1]];
  const re = /"([^"]*)"|(\S+)/g;
  let w: RegExpExecArray | null;
  while ((w = re.exec(m[2] ?? ''))) words.push(w[1] ?? w[2]!);
  return words;
}

function positiveInt(value: string): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
