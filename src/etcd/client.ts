/**
 * An etcd3 client for one member, carried over the SSH connection of an inventory host.
 *
 * Each client has exactly one endpoint, so a call goes to the member it names and never to
 * another one picked by a balancer: "defrag this member" must defrag this member. TLS material
 * comes from the carrying host (tls-files.ts); the TLS target name is the host in the member's
 * client URL, so a certificate whose SAN is the member's IP verifies even though the socket
 * is a local forward (a Unix socket only the run's user can reach, see local-forward.ts).
 *
 *   const conn = await etcdConnectionVia(transport, config, becomeForReads, 'https://10.0.0.1:2379');
 *   await conn.client.maintenance.status(callOptions(5000));
 */
// etcd3 pulls in gRPC and protobuf (~0.2 s to load): loaded when a run first talks to etcd
import { createRequire } from 'node:module';
import type { Etcd3, IOptions } from 'etcd3';
import type { Become, Transport } from '../transport/types.js';
import type { EtcdHostConfig } from './host-config.js';
import { parseEndpoint } from './host-config.js';
import { openLocalForward } from './local-forward.js';
import { quietIpServernameWarning } from './quiet-ip-servername.js';
import { readTlsMaterial, type TlsMaterial } from './tls-files.js';

/**
 * etcd3 (with gRPC) is loaded on first use: runs without etcd modules start ~40 ms sooner. With
 * require rather than import(): the one-file build runs as a vm.Script, which has no loader for
 * a dynamic import() of a package left outside the build.
 */
function loadEtcd3(): typeof import('etcd3') {
  return createRequire(import.meta.url)('etcd3') as typeof import('etcd3');
}

export interface EtcdConnection {
  client: Etcd3;
  /** the member's client URL */
  url: string;
  /** inventory host whose SSH connection carries the traffic */
  via: string;
  /** why the last SSH channel to the member could not be opened, if it could not */
  forwardError(): string | undefined;
  close(): Promise<void>;
}

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/**
 * No retries and no circuit breaker: a runbook step reports the first failure and the task's
 * own `retries:` decides what to do. etcd3's default breaker would turn a member that is
 * restarting into "circuit open" errors long after it came back.
 */
const callOnce = {
  execute: (fn: (ctx: { signal: AbortSignal; attempt: number }) => unknown) =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 0 })),
} as unknown as Policy;

/** default deadline of a unary call when a module does not pass its own */
export const DEFAULT_CALL_TIMEOUT_MS = 15_000;

export function callOptions(timeoutMs: number): { deadline: number } {
  return { deadline: Date.now() + timeoutMs };
}

export interface ConnectOptions {
  transport: Transport;
  url: string;
  tls?: TlsMaterial;
  log?: (line: string) => void;
}

/** a new, uncached connection; modules use the cached ones below */
export async function connectEtcd(opts: ConnectOptions): Promise<EtcdConnection> {
  const ep = parseEndpoint(opts.url);
  if (ep.tls && !opts.tls) {
    throw new Error(`${opts.url} is https but ${opts.transport.host} has no etcd_cacert to verify it with`);
  }
  let forwardError: string | undefined;
  const fwd = await openLocalForward(opts.transport, ep.host, ep.port, (err) => {
    forwardError = err.message;
    opts.log?.(`forward to ${ep.host}:${ep.port} via ${opts.transport.host} failed: ${err.message}`);
  });
  const grpcOptions: NonNullable<IOptions['grpcOptions']> = {
    // range responses over large prefixes exceed gRPC's 4 MiB default
    'grpc.max_receive_message_length': -1,
  };
  if (ep.tls) {
    quietIpServernameWarning();
    grpcOptions['grpc.ssl_target_name_override'] = ep.host;
    grpcOptions['grpc.default_authority'] = ep.host;
  }
  const { Etcd3 } = loadEtcd3();
  const client = new Etcd3({
    // TLS or not follows from `credentials`; the target is the forward's private Unix socket
    hosts: fwd.grpcTarget,
    credentials: ep.tls ? opts.tls : undefined,
    grpcOptions,
    faultHandling: { host: () => callOnce, global: callOnce },
    defaultCallOptions: (c) => (c.isStream ? {} : callOptions(DEFAULT_CALL_TIMEOUT_MS)),
  });
  let closed: Promise<void> | undefined;
  return {
    client,
    url: opts.url,
    via: opts.transport.host,
    forwardError: () => forwardError,
    close: () =>
      (closed ??= (async () => {
        client.close();
        await fwd.close();
      })()),
  };
}

const byTransport = new WeakMap<Transport, Map<string, Promise<EtcdConnection>>>();
interface CacheEntry {
  transport: Transport;
  url: string;
  connection: Promise<EtcdConnection>;
}
const open = new Set<CacheEntry>();

function evict(entry: CacheEntry): void {
  open.delete(entry);
  const perTransport = byTransport.get(entry.transport);
  if (perTransport?.get(entry.url) === entry.connection) perTransport.delete(entry.url);
}

/**
 * The cached connection to the member at `url`, carried by `transport` (one per connection and
 * URL, so one per host per run). TLS files are those of `config` (the carrying host's).
 */
export function etcdConnectionVia(
  transport: Transport,
  config: EtcdHostConfig,
  become: Become | false,
  url: string,
  log?: (line: string) => void,
): Promise<EtcdConnection> {
  let perTransport = byTransport.get(transport);
  if (!perTransport) {
    perTransport = new Map();
    byTransport.set(transport, perTransport);
  }
  const cached = perTransport.get(url);
  if (cached) return cached;
  const connection = (async () => {
    const ep = parseEndpoint(url);
    if (ep.tls && !config.tls) {
      throw new Error(`${url} is https but ${config.host} has no etcd_cacert: set etcd_cacert (and etcd_cert/etcd_key) for it`);
    }
    const tls = ep.tls && config.tls ? await readTlsMaterial(transport, config.tls, become) : undefined;
    return connectEtcd({ transport, url, tls, log });
  })();
  const entry: CacheEntry = { transport, url, connection };
  perTransport.set(url, connection);
  open.add(entry);
  // a failed attempt is not cached: the next task tries again
  connection.catch(() => evict(entry));
  return connection;
}

/** close every cached client and its socket; the engine calls this when a run ends */
export async function closeEtcdClients(): Promise<void> {
  const all = [...open];
  for (const e of all) evict(e);
  await Promise.all(all.map((e) => e.connection.then((c) => c.close(), () => undefined)));
}
