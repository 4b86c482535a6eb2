import { ConfigError } from '../errors.js';

/** One hop of a ProxyJump chain. */
export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

/**
 * Parse a ProxyJump value as OpenSSH does: comma-separated hops, each `[user@]host[:port]` or
 * `ssh://[user@]host[:port]`, IPv6 addresses in brackets. Hops are in travel order: the first is
 * connected to directly, the target is reached through the last.
 *
 *   parseProxyJump('ops@bastion:2222,10.0.0.1') -> [{user:'ops', host:'bastion', port:2222}, {host:'10.0.0.1'}]
 */
export function parseProxyJump(value: string): JumpHop[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((hop) => parseHop(hop, value));
}

function parseHop(text: string, whole: string): JumpHop {
  let rest = text.startsWith('ssh://') ? text.slice('ssh://'.length).replace(/\/$/, '') : text;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (rest.split(':').length === 2) {
    [host, portText] = rest.split(':') as [string, string];
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (!host || user === '' || (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))) {
    throw new ConfigError({
      message: `invalid ProxyJump hop "${text}" in "${whole}"`,
      hint: 'expected [user@]host[:port], comma-separated for a chain',
    });
  }
  return { user, host, port };
}
