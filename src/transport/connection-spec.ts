import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ConnectionVars } from '../inventory/connection-vars.js';
import { type JumpHop, parseProxyJump } from './proxy-jump.js';
import { expandTokens, loadSshConfig, localUser, lookupSshConfig, type SshConfig } from './ssh-config.js';
import type { ConnectionSpec } from './types.js';

export type { ConnectionVars };

export interface ResolveOptions {
  /** ssh config to consult; default ~/.ssh/config (a missing file is fine) */
  sshConfigFile?: string;
  /** known_hosts files when neither inventory nor ssh config names one; default ~/.ssh/known_hosts */
  defaultKnownHosts?: string[];
  /** --accept-new-host-keys */
  acceptNewHostKeys?: boolean;
  /** --timeout for connecting; beats ssh config ConnectTimeout */
  connectTimeoutMs?: number;
  /** --user: beats ssh config User, loses to the inventory's ansible_user */
  user?: string;
  /** --private-key: beats ssh config IdentityFile (as `ssh -i`), loses to ansible_ssh_private_key_file */
  privateKeyFile?: string;
  /** already parsed config, for resolving many hosts without re-reading the file */
  sshConfig?: SshConfig;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** OpenSSH's GlobalKnownHostsFile default */
export const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;
const MAX_JUMP_HOPS = 8;

/**
 * Work out how to reach one host. Precedence, highest first: inventory connection vars, CLI options,
 * ~/.ssh/config (looked up by the address, as `ssh ADDRESS` would), then defaults (port 22, the
 * local user, ~/.ssh/known_hosts).
 *
 *   resolveConnectionSpec('node1', { address: '10.250.1.11', user: 'root', keyFile: '~/.ssh/lab' }, {})
 *     -> { name: 'node1', address: '10.250.1.11', port: 22, user: 'root', privateKeyFiles: ['/root/.ssh/lab'], ... }
 */
export function resolveConnectionSpec(name: string, conn: ConnectionVars, opts: ResolveOptions = {}): ConnectionSpec {
  const config = opts.sshConfig ?? loadSshConfig(opts.sshConfigFile);
  const target = conn.address ?? name;
  const local = conn.connection === 'local' || (conn.connection === undefined && isImplicitLocal(name, conn));
  // a local host goes through no jump host, whatever ssh config says
  const vars = local ? { ...conn, proxyJump: 'none' } : conn;
  const spec = resolveHop(name, { host: target, user: conn.user, port: conn.port }, config, opts, vars, undefined);
  if (local) spec.connection = 'local';
  if (conn.become) spec.become = { user: conn.becomeUser ?? 'root' };
  // the password also serves commands that ask for become themselves
  if (conn.becomePassword !== undefined) spec.becomePassword = conn.becomePassword;
  return spec;
}

/** Ansible's implicit localhost: `localhost` with no address of its own runs without ssh. */
function isImplicitLocal(name: string, conn: ConnectionVars): boolean {
  return name === 'localhost' && (conn.address === undefined || conn.address === 'localhost');
}

/** What a jump host inherits from the host it leads to, when its own ssh config is silent. */
interface HopContext {
  target: ConnectionSpec;
  /** later hops of an explicit chain go through the previous hop, whatever their config says */
  ignoreConfigJump: boolean;
}

function resolveHop(
  name: string,
  hop: JumpHop,
  config: SshConfig,
  opts: ResolveOptions,
  conn: ConnectionVars | undefined,
  via: HopContext | undefined,
  depth = 0,
): ConnectionSpec {
  const cfg = lookupSshConfig(config, hop.host);
  const hostName = cfg.hostName ? expandTokens(cfg.hostName, { hostName: hop.host, alias: hop.host, user: '', port: 22 }) : hop.host;
  // the CLI's --user is for targets; a jump host takes its user from the hop or its own config, as in OpenSSH
  const user = via ? (hop.user ?? cfg.user ?? localUser()) : (hop.user ?? opts.user ?? cfg.user ?? localUser());
  const port = hop.port ?? cfg.port ?? 22;
  const tokens = { hostName, alias: hop.host, user, port };

  const keyFiles =
    conn?.keyFile !== undefined
      ? [conn.keyFile]
      : !via && opts.privateKeyFile !== undefined
        ? [opts.privateKeyFile]
        : cfg.identityFiles.length > 0
        ? cfg.identityFiles
        : (via?.target.privateKeyFiles ?? []);
  const knownHosts =
    conn?.knownHosts !== undefined
      ? [conn.knownHosts].flat()
      : cfg.userKnownHostsFiles.length > 0
        ? cfg.userKnownHostsFiles
        : (via?.target.knownHostsFiles ?? opts.defaultKnownHosts ?? [join(homedir(), '.ssh', 'known_hosts')]);
  const globalKnownHosts = conn?.globalKnownHosts ?? cfg.globalKnownHostsFiles ?? via?.target.globalKnownHostsFiles ?? DEFAULT_GLOBAL_KNOWN_HOSTS;
  // an alias names one host: a jump host never inherits it
  const hostKeyAlias = conn?.hostKeyAlias ?? cfg.hostKeyAlias;
  const strict = cfg.strictHostKeyChecking;

  const spec: ConnectionSpec = {
    name,
    connection: 'ssh',
    address: hostName,
    port,
    user,
    privateKeyFiles: keyFiles.map((f) => expandTokens(f, tokens)),
    knownHostsFiles: knownHosts.map((f) => expandTokens(f, tokens)),
    globalKnownHostsFiles: globalKnownHosts.map((f) => expandTokens(f, tokens)),
    // `no`/`off` would accept changed keys too; runbook never does, so they act as accept-new
    acceptNewHostKeys: opts.acceptNewHostKeys ?? (strict === 'accept-new' || strict === 'no' || strict === 'off'),
    connectTimeoutMs: opts.connectTimeoutMs ?? (cfg.connectTimeoutSec ? cfg.connectTimeoutSec * 1000 : DEFAULT_CONNECT_TIMEOUT_MS),
    keepaliveIntervalMs: cfg.serverAliveIntervalSec ? cfg.serverAliveIntervalSec * 1000 : DEFAULT_KEEPALIVE_INTERVAL_MS,
  };
  if (hostKeyAlias !== undefined) spec.hostKeyAlias = expandTokens(hostKeyAlias, tokens);
  if (cfg.serverAliveCountMax !== undefined) spec.keepaliveCountMax = cfg.serverAliveCountMax;
  if (conn?.password !== undefined) spec.password = conn.password;
  if (process.env.SSH_AUTH_SOCK) spec.agent = process.env.SSH_AUTH_SOCK;

  const jump = conn?.proxyJump ?? (via?.ignoreConfigJump ? undefined : cfg.proxyJump);
  if (jump !== undefined && jump.toLowerCase() !== 'none') {
    const hops = parseProxyJump(jump);
    // `Host 10.0.0.*` + `ProxyJump 10.0.0.1` also matches the jump host itself; OpenSSH then
    // connects to it directly instead of through itself, and so does this
    const last = hops[hops.length - 1]!;
    if ((last.host === hop.host || last.host === hostName) && (last.port ?? 22) === port) return spec;
    if (depth + hops.length > MAX_JUMP_HOPS) {
      throw new ConfigError({
        message: `${name}: ProxyJump chain is longer than ${MAX_JUMP_HOPS} hops (${jump})`,
        hint: 'a jump host whose ssh config names itself (or its target) as ProxyJump loops forever',
      });
    }
    spec.proxyJump = resolveChain(hops, config, opts, spec, depth + hops.length);
  }
  return spec;
}

/** `a,b` means: reach a directly, b through a, the target through b. */
function resolveChain(
  hops: JumpHop[],
  config: SshConfig,
  opts: ResolveOptions,
  target: ConnectionSpec,
  depth: number,
): ConnectionSpec {
  let previous: ConnectionSpec | undefined;
  for (const hop of hops) {
    const hopName = `${hop.user ? `${hop.user}@` : ''}${hop.host}${hop.port ? `:${hop.port}` : ''}`;
    const via = { target, ignoreConfigJump: previous !== undefined };
    const spec = resolveHop(hopName, hop, config, opts, undefined, via, depth);
    if (previous) spec.proxyJump = previous;
    previous = spec;
  }
  return previous!;
}
