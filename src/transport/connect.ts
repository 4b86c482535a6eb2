import { connectLocal } from './local.js';
import { connectSsh, type SshConnectOptions } from './ssh.js';
import type { ConnectHooks, ConnectionSpec, Transport } from './types.js';

/** A Transport for a resolved spec: ssh, or the local machine for `connection: local`. */
export async function connectTransport(spec: ConnectionSpec, hooks: ConnectHooks = {}, options: SshConnectOptions = {}): Promise<Transport> {
  return spec.connection === 'local' ? connectLocal(spec) : connectSsh(spec, hooks, options);
}
