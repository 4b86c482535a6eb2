/**
 * Test access to sandbox clusters: real sshd + etcd hosts in Linux namespaces
 * on this machine, brought up by test/cluster/up.sh (see its README.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readlink, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TestFn } from 'ava';
import { childOutput } from './child-output.js';

const clusterDir = fileURLToPath(new URL('../cluster/', import.meta.url));
const upScript = `${clusterDir}up.sh`;
const downScript = `${clusterDir}down.sh`;

/** Same fixed environment the shell scripts give processes on a host. */
const HOST_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'LANG=C.UTF-8',
  'HOME=/root',
  'USER=root',
  'LOGNAME=root',
  'SHELL=/bin/bash',
];

export interface SandboxHost {
  inventoryName: string;
  ip: string;
  netns: string;
  etcd?: { name: string; peerUrl: string; clientUrl: string; dataDir: string };
  /** Host name inside the host (same as inventoryName). */
  hostname?: string;
  /** PID, as seen from the controller, of the host's init (PID 1 inside it). */
  initPid?: number;
  /** Controller-side directory holding the host's private directories (fsRoot + '/var/lib/etcd', ...). */
  fsRoot?: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Resolve with a non-zero code instead of rejecting. */
  allowFail?: boolean;
  /** Written to the command's stdin. */
  input?: string;
  /** Kill the command after this long (default 60 s). */
  timeoutMs?: number;
}

export interface Sandbox {
  name: string;
  dir: string;
  /** CIDR, e.g. "10.250.17.0/24". */
  subnet: string;
  tls: boolean;
  sshOnly: boolean;
  hosts: SandboxHost[];
  keyFile: string;
  knownHosts: string;
  inventoryYaml: string;
  inventoryIni: string;
  user: 'root';
  sudoUser: string;
  /** Controller-side copies of the CA and the client certificate (with --tls). */
  tlsFiles?: { ca: string; cert: string; key: string };
  /** Client URLs of all members. Empty for ssh-only sandboxes. */
  endpoints: string[];
  /** Hosts laid out as kubeadm does (etcd as a static pod run by the kubelet stand-in). */
  kubeadm: boolean;
  /** etcd minor version on the hosts ('3.4' or '3.5'); undefined for ssh-only sandboxes. */
  etcdVersion?: EtcdVersion;
  /** Parsed cluster.json, for anything not mirrored above. */
  cluster: ClusterJson;
  host(host: string | SandboxHost): SandboxHost;
  /**
   * Runs a shell script on a host as root inside its namespaces WITHOUT ssh
   * (nsenter into the host init's mount, UTS, network and PID namespaces):
   * for test setup and for checking files independently of the code under test.
   */
  hostExec(host: string | SandboxHost, script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** etcdctl on a host with that host's endpoint and, with TLS, the host's client certificate. Never rejects on a non-zero exit. */
  etcdctl(host: string | SandboxHost, args: string[]): Promise<ExecResult>;
  /**
   * kubeadm sandboxes: what the static-pod runner (the kubelet stand-in) on a host runs now,
   * read from its /run/static-pod-runner/pods.json.
   */
  staticPods(host: string | SandboxHost): Promise<StaticPod[]>;
  /** OpenSSH client arguments (without the command) for logging in to a host. */
  sshArgs(host: string | SandboxHost, user?: string): string[];
  /** Runs a shell script on a host through the real OpenSSH client. */
  ssh(host: string | SandboxHost, script: string, opts?: ExecOptions & { user?: string }): Promise<ExecResult>;
  down(): Promise<void>;
}

export type EtcdVersion = '3.4' | '3.5';

/** One pod as the static-pod runner reports it. */
export interface StaticPod {
  namespace: string;
  /** metadata.name + '-' + node name, as kubelet names static pods. */
  name: string;
  uid: string;
  /** The manifest file the pod comes from. */
  manifest: string;
  phase: 'Running' | 'Terminating';
  containers: Array<{ name: string; pid: number | null; restartCount: number; lastExitCode: number | null; containerId: string | null }>;
}

export interface SandboxOptions {
  name: string;
  hosts?: number;
  tls?: boolean;
  /**
   * Lay the hosts out as kubeadm does: PKI in /etc/kubernetes/pki, etcd as a static pod from
   * /etc/kubernetes/manifests/etcd.yaml run by the static-pod runner (kubelet stand-in), and a
   * kube-apiserver stand-in pod writing /registry keys. Implies TLS; etcd 3.5 unless etcdVersion says otherwise.
   */
  kubeadm?: boolean;
  /**
   * With kubeadm: also a kube-controller-manager stand-in static pod on every host (its process
   * carries the manifest's flags) and the inventory group kube_control_plane.
   */
  controllerManager?: boolean;
  /** etcd version on the hosts: '3.4' (Debian bookworm, the default) or '3.5' (default with kubeadm). */
  etcdVersion?: EtcdVersion;
  /** Crash-loop back-off of the static-pod runner, in seconds (default: kubelet's 10 doubling up to 300). */
  podBackoff?: { initial: number; max?: number };
  quota?: number;
  sshOnly?: boolean;
  /** Passed to up.sh as A.B.C; by default derived from the name. */
  subnet?: string;
}

/**
 * The shape of test/cluster/.state/NAME/cluster.json (schemaVersion 1; kubeadm, etcdVersion,
 * etcdRelease and the etcd manifest fields were added without changing it).
 */
export interface ClusterJson {
  schemaVersion: 1;
  name: string;
  dir: string;
  subnet: string;
  gateway: string;
  bridge: string;
  sshOnly: boolean;
  tls: boolean;
  quota: number | null;
  /** Absent in files written before the field existed. */
  kubeadm?: boolean;
  /** '3.4' or '3.5'; null for ssh-only sandboxes. */
  etcdVersion?: EtcdVersion | null;
  /** The exact etcd version, e.g. '3.5.30'. */
  etcdRelease?: string | null;
  user: 'root';
  sudoUser: string;
  keyFile: string;
  publicKeyFile: string;
  knownHosts: string;
  inventoryYaml: string;
  inventoryIni: string;
  tlsFiles: { ca: string; cert: string; key: string } | null;
  etcd: {
    /** systemd sandboxes only (null with kubeadm). */
    service: string | null;
    configFile: string | null;
    unitFile: string | null;
    logFile: string | null;
    /** kubeadm sandboxes only (null otherwise): /etc/kubernetes/manifests/etcd.yaml. */
    manifest?: string | null;
    apiServerManifest?: string | null;
    /** Where the static-pod runner keeps container logs (/var/log/pods). */
    podLogDir?: string | null;
    /** Controller-side directory of the etcd binaries the hosts run. */
    binDir?: string;
    dataDir: string;
    initialCluster: string;
    initialClusterToken: string;
    endpoints: string[];
    hostTlsFiles: { ca: string; cert: string; key: string } | null;
  } | null;
  hosts: Array<{
    inventoryName: string;
    hostname: string;
    ip: string;
    netns: string;
    veth: string;
    initPid: number;
    root: string;
    etcd: { name: string; peerUrl: string; clientUrl: string; dataDir: string } | null;
  }>;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function run(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {
    // The command may exit without reading its input.
  });
  child.stdin.end(opts.input ?? '');
  const out = await childOutput(child, timeoutMs);
  const { stdout, stderr } = out;
  const result = { code: out.code ?? 128 + (out.signal ? (osConstants.signals[out.signal] ?? 0) : 0), stdout, stderr };
  if (out.timedOut) throw new Error(`${cmd} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
  if (result.code !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.slice(0, 6).join(' ')}... exited with ${result.code}\nstdout: ${stdout}\nstderr: ${stderr}`);
  return result;
}

function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('sandbox clusters need root (network namespaces, bind mounts); run the tests as root');
  }
}

/**
 * The sandbox name a test's name becomes: RUNBOOK_SANDBOX_PREFIX (for example
 * "wt2-") lets two checkouts run the same test files on one machine at once
 * without tearing down each other's clusters.
 */
export function sandboxName(name: string): string {
  const prefix = process.env.RUNBOOK_SANDBOX_PREFIX ?? '';
  if (prefix && !/^[a-z0-9-]{1,12}$/.test(prefix)) {
    throw new Error(`RUNBOOK_SANDBOX_PREFIX must be at most 12 of [a-z0-9-], got '${prefix}'`);
  }
  return prefix + name;
}

async function runDown(name: string): Promise<void> {
  await run('bash', [downScript, '--name', name, '--quiet'], { timeoutMs: 120_000 });
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  requireRoot();
  const opts = { ...options, name: sandboxName(options.name) };
  const args = [upScript, '--name', opts.name, '--recreate', '--json'];
  if (opts.hosts !== undefined) args.push('--hosts', String(opts.hosts));
  if (opts.tls) args.push('--tls');
  if (opts.quota !== undefined) args.push('--quota', String(opts.quota));
  if (opts.sshOnly) args.push('--ssh-only');
  if (opts.subnet) args.push('--subnet', opts.subnet);
  if (opts.kubeadm) args.push('--kubeadm');
  if (opts.controllerManager) args.push('--controller-manager');
  if (opts.etcdVersion) args.push('--etcd', opts.etcdVersion);
  if (opts.podBackoff) args.push('--pod-backoff', `${opts.podBackoff.initial}${opts.podBackoff.max !== undefined ? `:${opts.podBackoff.max}` : ''}`);
  // The first etcd 3.5 sandbox on a machine also downloads etcd from Debian.
  const res = await run('bash', args, { allowFail: true, timeoutMs: 300_000 });
  if (res.code !== 0) {
    throw new Error(`up.sh for sandbox '${opts.name}' failed (exit ${res.code}):\n${res.stderr}${res.stdout}`);
  }
  let cluster: ClusterJson;
  try {
    cluster = JSON.parse(res.stdout) as ClusterJson;
  } catch (err) {
    throw new Error(`up.sh for sandbox '${opts.name}' printed no valid cluster.json: ${String(err)}\n${res.stdout}`);
  }
  if (cluster.schemaVersion !== 1 || cluster.name !== opts.name) {
    throw new Error(`unexpected cluster.json from up.sh for sandbox '${opts.name}'`);
  }
  return makeSandbox(cluster);
}

function makeSandbox(cluster: ClusterJson): Sandbox {
  let isDown = false;
  const hosts: Array<Required<Omit<SandboxHost, 'etcd'>> & Pick<SandboxHost, 'etcd'>> = cluster.hosts.map((h) => ({
    inventoryName: h.inventoryName,
    ip: h.ip,
    netns: h.netns,
    hostname: h.hostname,
    initPid: h.initPid,
    fsRoot: h.root,
    ...(h.etcd ? { etcd: { ...h.etcd } } : {}),
  }));

  // Objects are looked up again by name, so a host described by the caller
  // (without initPid) works as well as one taken from sandbox.hosts.
  const host = (h: string | SandboxHost): (typeof hosts)[number] => {
    const key = typeof h === 'string' ? h : h.inventoryName;
    const found = hosts.find((x) => x.inventoryName === key || x.ip === key || x.hostname === key);
    if (!found) throw new Error(`sandbox '${cluster.name}' has no host '${key}' (hosts: ${hosts.map((x) => x.inventoryName).join(', ')})`);
    return found;
  };

  // A recycled PID would make nsenter enter some unrelated process's
  // namespaces; the host's network namespace file pins the real one.
  const checkInit = async (h: (typeof hosts)[number]): Promise<void> => {
    if (isDown) throw new Error(`sandbox '${cluster.name}' is down`);
    let ok = false;
    try {
      const [link, ns] = await Promise.all([readlink(`/proc/${h.initPid}/ns/net`), stat(`/run/netns/${h.netns}`)]);
      ok = link === `net:[${ns.ino}]`;
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`host ${h.inventoryName} of sandbox '${cluster.name}' is not running (init PID ${h.initPid}, netns ${h.netns})`);
  };

  const hostExec = async (target: string | SandboxHost, script: string, opts: ExecOptions = {}): Promise<ExecResult> => {
    const h = host(target);
    await checkInit(h);
    return run(
      'nsenter',
      ['-t', String(h.initPid), '-m', '-u', '-n', '-p', '--', 'env', '-i', ...HOST_ENV, '/bin/bash', '-c', `cd /root || exit 1\n${script}`],
      opts,
    );
  };

  const etcdctl = async (target: string | SandboxHost, args: string[]): Promise<ExecResult> => {
    const h = host(target);
    if (!h.etcd || !cluster.etcd) throw new Error(`sandbox '${cluster.name}' runs no etcd (--ssh-only)`);
    const flags = [`--endpoints=${h.etcd.clientUrl}`];
    const t = cluster.etcd.hostTlsFiles;
    if (t) flags.push(`--cacert=${t.ca}`, `--cert=${t.cert}`, `--key=${t.key}`);
    const cmd = ['ETCDCTL_API=3', 'etcdctl', ...flags.map(shellQuote), ...args.map(shellQuote)].join(' ');
    return hostExec(h, cmd, { allowFail: true });
  };

  const staticPods = async (target: string | SandboxHost): Promise<StaticPod[]> => {
    if (!cluster.kubeadm) throw new Error(`sandbox '${cluster.name}' is not a kubeadm sandbox: no static pods`);
    const r = await hostExec(target, 'cat /run/static-pod-runner/pods.json');
    return (JSON.parse(r.stdout) as { pods: StaticPod[] }).pods;
  };

  const sshArgs = (target: string | SandboxHost, user = 'root'): string[] => {
    const h = host(target);
    return [
      '-i', cluster.keyFile,
      '-o', 'IdentitiesOnly=yes',
      '-o', `UserKnownHostsFile=${cluster.knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-o', 'ConnectTimeout=10',
      '-o', 'LogLevel=ERROR',
      '-F', '/dev/null',
      `${user}@${h.ip}`,
    ];
  };

  const ssh = async (target: string | SandboxHost, script: string, opts: ExecOptions & { user?: string } = {}): Promise<ExecResult> => {
    return run('ssh', [...sshArgs(target, opts.user), script], opts);
  };

  return {
    name: cluster.name,
    dir: cluster.dir,
    subnet: cluster.subnet,
    tls: cluster.tls,
    sshOnly: cluster.sshOnly,
    hosts,
    keyFile: cluster.keyFile,
    knownHosts: cluster.knownHosts,
    inventoryYaml: cluster.inventoryYaml,
    inventoryIni: cluster.inventoryIni,
    user: 'root',
    sudoUser: cluster.sudoUser,
    ...(cluster.tlsFiles ? { tlsFiles: { ...cluster.tlsFiles } } : {}),
    endpoints: cluster.etcd?.endpoints ?? [],
    kubeadm: cluster.kubeadm === true,
    ...(cluster.etcdVersion ? { etcdVersion: cluster.etcdVersion } : {}),
    cluster,
    staticPods,
    host,
    hostExec,
    etcdctl,
    sshArgs,
    ssh,
    async down() {
      if (isDown) return;
      await runDown(cluster.name);
      isDown = true;
    },
  };
}

/**
 * For ava test files: brings a sandbox up in test.before and always tears it
 * down in test.after.always, even when tests or the setup fail. Returns a
 * getter for use inside tests.
 */
export function useSandbox<Context>(test: TestFn<Context>, opts: SandboxOptions): () => Sandbox {
  const name = sandboxName(opts.name);
  let sandbox: Sandbox | undefined;
  let cleaned = false;
  // after.always does not run when the worker dies (uncaught exception,
  // process.exit); a synchronous teardown on exit still leaves nothing behind.
  const onExit = (): void => {
    if (!cleaned) spawnSync('bash', [downScript, '--name', name, '--quiet'], { stdio: 'ignore', timeout: 60_000 });
  };
  test.before(async () => {
    process.once('exit', onExit);
    sandbox = await startSandbox(opts);
  });
  test.after.always(async () => {
    if (sandbox) await sandbox.down();
    else await runDown(name);
    cleaned = true;
    process.removeListener('exit', onExit);
  });
  return () => {
    if (!sandbox) throw new Error(`sandbox '${name}' is not up (did test.before fail?)`);
    return sandbox;
  };
}
