/**
 * How one inventory host runs its etcd member, read from the host's variables with defaults.
 * The defaults depend on `etcd_config_style`: a kubeadm static pod keeps its data and
 * certificates in other places than a systemd unit does.
 *
 *   etcdHostConfig('node1', {ansible_host: '10.0.0.1', etcd_name: 'etcd1'})
 *     -> {name: 'etcd1', clientUrl: 'http://10.0.0.1:2379', dataDir: '/var/lib/etcd/default', ...}
 */
export type EtcdConfigStyle = 'env' | 'flags' | 'static_pod';

export interface EtcdTlsFiles {
  /** paths on the host, read over SSH when a client is made */
  cacert: string;
  cert?: string;
  key?: string;
}

export interface EtcdHostConfig {
  /** inventory name */
  host: string;
  /** member name (`--name`) */
  name: string;
  peerUrl: string;
  clientUrl: string;
  dataDir: string;
  walDir?: string;
  service: string;
  configFile: string;
  configStyle: EtcdConfigStyle;
  manifest: string;
  tls?: EtcdTlsFiles;
  /** binary names or paths on the host; plain names are looked up on PATH */
  etcd: string;
  etcdctl: string;
  etcdutl: string;
}

const STYLES: readonly EtcdConfigStyle[] = ['env', 'flags', 'static_pod'];

const KUBEADM_PKI = '/etc/kubernetes/pki/etcd';

function str(vars: Record<string, unknown>, key: string): string | undefined {
  const v = vars[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error(`inventory variable ${key} must be a string, got ${JSON.stringify(v)}`);
}

/** the address etcd listens on when the inventory gives no URL: the host's SSH address */
function addressOf(host: string, vars: Record<string, unknown>): string {
  const a = str(vars, 'ansible_host') ?? str(vars, 'ansible_ssh_host') ?? host;
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

export function etcdHostConfig(host: string, vars: Record<string, unknown>): EtcdHostConfig {
  const styleVar = str(vars, 'etcd_config_style') ?? 'env';
  if (!STYLES.includes(styleVar as EtcdConfigStyle)) {
    throw new Error(`etcd_config_style of ${host} is ${JSON.stringify(styleVar)}; expected one of ${STYLES.join(', ')}`);
  }
  const configStyle = styleVar as EtcdConfigStyle;
  const kubeadm = configStyle === 'static_pod';

  const cacert = str(vars, 'etcd_cacert') ?? (kubeadm ? `${KUBEADM_PKI}/ca.crt` : undefined);
  const cert = str(vars, 'etcd_cert') ?? (kubeadm ? `${KUBEADM_PKI}/healthcheck-client.crt` : undefined);
  const key = str(vars, 'etcd_key') ?? (kubeadm ? `${KUBEADM_PKI}/healthcheck-client.key` : undefined);
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error(`${host}: etcd_cert and etcd_key go together; set both or neither`);
  }

  const addr = addressOf(host, vars);
  // https by default as soon as there is a CA to check the server against
  const scheme = cacert !== undefined ? 'https' : 'http';

  return {
    host,
    name: str(vars, 'etcd_name') ?? host,
    peerUrl: str(vars, 'etcd_peer_url') ?? `${scheme}://${addr}:2380`,
    clientUrl: str(vars, 'etcd_client_url') ?? `${scheme}://${addr}:2379`,
    dataDir: str(vars, 'etcd_data_dir') ?? (kubeadm ? '/var/lib/etcd' : '/var/lib/etcd/default'),
    walDir: str(vars, 'etcd_wal_dir'),
    // a static pod has no unit of its own: runbooks move its manifest instead
    service: str(vars, 'etcd_service') ?? 'etcd',
    configFile: str(vars, 'etcd_config_file') ?? '/etc/etcd/etcd.conf',
    configStyle,
    manifest: str(vars, 'etcd_manifest') ?? '/etc/kubernetes/manifests/etcd.yaml',
    tls: cacert !== undefined ? { cacert, cert, key } : undefined,
    etcd: str(vars, 'etcd_binary') ?? 'etcd',
    etcdctl: str(vars, 'etcdctl') ?? 'etcdctl',
    etcdutl: str(vars, 'etcdutl') ?? 'etcdutl',
  };
}

export interface ParsedEndpoint {
  tls: boolean;
  /** as the remote host resolves it (no IPv6 brackets) */
  host: string;
  port: number;
}

/** `https://10.0.0.1:2379` -> {tls: true, host: '10.0.0.1', port: 2379} */
export function parseEndpoint(url: string): ParsedEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(url)} (expected e.g. https://10.0.0.1:2379)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`unsupported scheme in ${url}: use http:// or https://`);
  }
  const tls = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port !== '' ? Number(u.port) : 2379;
  return { tls, host, port };
}
