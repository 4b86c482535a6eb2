import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the demo needs of test/cluster/.state/NAME/cluster.json */
export interface DemoCluster {
  name: string;
  dir: string;
  inventoryYaml: string;
  etcd: { endpoints: string[] };
  hosts: { inventoryName: string; ip: string }[];
  /** controller-side copies of the CA and a client certificate, when etcd wants TLS (kubeadm) */
  tlsFiles?: { ca: string; cert: string; key: string } | null;
}

/** The sandbox scripts live in the checkout; the demo runs from one. */
export class SandboxControl {
  constructor(private readonly repo: string) {}

  up(name: string, extra: string[] = []): DemoCluster {
    const r = spawnSync('bash', [join(this.repo, 'test/cluster/up.sh'), '--name', name, '--recreate', ...extra], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`bringing the sandbox up failed (exit ${r.status}); run it as root on Linux with iproute2`);
    return JSON.parse(readFileSync(join(this.repo, 'test/cluster/.state', name, 'cluster.json'), 'utf8')) as DemoCluster;
  }

  /** run a script on a sandbox host as root, without SSH: the "disaster" is not runbook's doing */
  onHost(cluster: DemoCluster, host: string, script: string): string {
    return execFileSync('bash', [join(this.repo, 'test/cluster/host-exec.sh'), '--name', cluster.name, host, 'sh', '-c', script], { encoding: 'utf8' });
  }
}
