import type { Cluster } from './sandbox.js';
import { run, runOk, type ProcResult, type RunOptions } from './proc.js';

/** OpenSSH client options every benchmark uses: the sandbox key, strict host key checking. */
export function sshOptions(c: Cluster): string[] {
  return [
    '-i', c.keyFile,
    '-o', `UserKnownHostsFile=${c.knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=20',
  ];
}

/** Run a shell command on a host with the real OpenSSH client. */
export function ssh(c: Cluster, ip: string, command: string, opts: RunOptions = {}): Promise<ProcResult> {
  return run('ssh', [...sshOptions(c), `${c.user}@${ip}`, command], opts);
}

export function sshOk(c: Cluster, ip: string, command: string, opts: RunOptions = {}): Promise<ProcResult> {
  return runOk('ssh', [...sshOptions(c), `${c.user}@${ip}`, command], opts);
}

/** `sha256sum` of a file on every host, by inventory name; a missing file gives `missing`. */
export async function remoteSha256(c: Cluster, hosts: Cluster['hosts'], path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    hosts.map(async (h) => {
      const r = await ssh(c, h.ip, `sha256sum -- '${path}' 2>/dev/null || echo missing`, { timeoutMs: 120_000 });
      out.set(h.inventoryName, r.stdout.trim().split(/\s+/)[0] ?? `ssh failed: ${r.stderr.trim()}`);
    }),
  );
  return out;
}

/** Remove files on every host (between runs of a copy benchmark). */
export async function removeOnHosts(c: Cluster, hosts: Cluster['hosts'], paths: string[]): Promise<void> {
  const quoted = paths.map((p) => `'${p}'`).join(' ');
  await Promise.all(hosts.map((h) => sshOk(c, h.ip, `rm -f -- ${quoted}`, { timeoutMs: 60_000 })));
}
