import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { benchDir } from './compile.js';
import { run, type ProcResult } from './proc.js';

export interface AnsibleRunOptions {
  inventory: string;
  forks: number;
  /** OpenSSH ControlMaster sockets go here; reuse a dir to reuse its live connections */
  controlDir: string;
  /** how long a master outlives the run (Ansible's default is 60s) */
  controlPersist?: string;
  extraVars?: Record<string, string>;
  limit?: string;
  timeoutMs?: number;
}

/**
 * ansible-playbook with bench/ansible.cfg: pipelining on, no facts, host keys checked against the
 * sandbox's known_hosts (the inventory's ansible_ssh_common_args).
 */
export function ansiblePlaybook(playbook: string, o: AnsibleRunOptions): Promise<ProcResult> {
  mkdirSync(o.controlDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: `${benchDir}ansible.cfg`,
    ANSIBLE_PIPELINING: '1',
    ANSIBLE_SSH_CONTROL_PATH_DIR: o.controlDir,
    ANSIBLE_LOCAL_TEMP: `${o.controlDir}/tmp`,
    ANSIBLE_NOCOLOR: '1',
  };
  if (o.controlPersist) env.ANSIBLE_SSH_ARGS = `-C -o ControlMaster=auto -o ControlPersist=${o.controlPersist}`;
  const args = ['-i', o.inventory, playbook, '--forks', String(o.forks)];
  if (o.limit) args.push('--limit', o.limit);
  for (const [k, v] of Object.entries(o.extraVars ?? {})) args.push('-e', `${k}=${v}`);
  return run('ansible-playbook', args, { timed: true, env, timeoutMs: o.timeoutMs ?? 15 * 60_000 });
}

/** Close the ssh masters an ansible run left in controlDir (ours only: found by their sockets). */
export async function closeControlMasters(controlDir: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(controlDir).filter((n) => n !== 'tmp');
  } catch {
    return;
  }
  await Promise.all(names.map((n) => run('ssh', ['-o', `ControlPath=${controlDir}/${n}`, '-O', 'exit', 'bench-master'], { timeoutMs: 30_000 })));
  rmSync(controlDir, { recursive: true, force: true });
}

export function ansibleVersion(): Promise<string> {
  return run('ansible-playbook', ['--version']).then((r) => r.stdout.split('\n')[0]?.trim() ?? 'unknown');
}
