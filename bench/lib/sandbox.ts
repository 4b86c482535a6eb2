import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run } from './proc.js';

const clusterDir = fileURLToPath(new URL('../../test/cluster/', import.meta.url));

/** The parts of test/cluster's cluster.json (schemaVersion 1) the benchmarks use. */
export interface Cluster {
  name: string;
  dir: string;
  subnet: string;
  sshOnly: boolean;
  user: string;
  keyFile: string;
  knownHosts: string;
  inventoryYaml: string;
  inventoryIni: string;
  etcd: null | { dataDir: string; initialCluster: string; initialClusterToken: string; endpoints: string[]; service: string };
  hosts: Array<{
    inventoryName: string;
    ip: string;
    netns: string;
    initPid: number;
    root: string;
    etcd?: { name: string; peerUrl: string; clientUrl: string; dataDir: string };
  }>;
}

/** sandboxes this process brought up and has not torn down yet */
const live = new Set<string>();

export interface UpOptions {
  hosts?: number;
  sshOnly?: boolean;
  timeoutSecs?: number;
}

/** `up.sh --recreate`: a cluster left over by a killed bench run never blocks the next one. */
export async function sandboxUp(name: string, opts: UpOptions = {}): Promise<Cluster> {
  const args = [`${clusterDir}up.sh`, '--name', name, '--recreate'];
  if (opts.hosts !== undefined) args.push('--hosts', String(opts.hosts));
  if (opts.sshOnly) args.push('--ssh-only');
  args.push('--timeout', String(opts.timeoutSecs ?? 120));
  live.add(name);
  const r = await run('bash', args, { timeoutMs: 10 * 60_000 });
  if (r.code !== 0) {
    throw new Error(`sandbox ${name} did not come up (exit ${r.code}):\n${r.stderr.trim().split('\n').slice(-30).join('\n')}`);
  }
  const stateRoot = process.env.RUNBOOK_SANDBOX_STATE ?? `${clusterDir}.state`;
  return JSON.parse(readFileSync(`${stateRoot}/${name}/cluster.json`, 'utf8')) as Cluster;
}

export async function sandboxDown(name: string): Promise<void> {
  const r = await run('bash', [`${clusterDir}down.sh`, '--name', name, '--quiet'], { timeoutMs: 5 * 60_000 });
  if (r.code !== 0) process.stderr.write(`[bench] down.sh --name ${name} exited ${r.code}: ${r.stderr.trim()}\n`);
  live.delete(name);
}

/** Tear down whatever is still up: the last thing before exit, on success, failure or Ctrl-C. */
export async function sandboxDownAll(): Promise<void> {
  await Promise.all([...live].map((n) => sandboxDown(n)));
}

/** For process.on('exit'), where nothing asynchronous runs any more. */
export function sandboxDownAllSync(): void {
  for (const name of live) {
    spawnSync('bash', [`${clusterDir}down.sh`, '--name', name, '--quiet'], { stdio: 'inherit', timeout: 5 * 60_000 });
    live.delete(name);
  }
}

export function liveSandboxes(): string[] {
  return [...live];
}
