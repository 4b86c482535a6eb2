import { readdirSync, readFileSync } from 'node:fs';
import type { Cluster } from './sandbox.js';

/**
 * CPU used inside the sandbox hosts (sshd, the shells and whatever the commands start), in ms.
 *
 * The sandbox hosts are namespaces on this same 2-core machine, so work an engine makes the
 * hosts do (Ansible: a Python interpreter and a module per task per host; runbook: a shell
 * running the command) competes with the controller for the same cores. On a real cluster it
 * would run elsewhere. This reads it so the table can say how much of a wall time is that.
 *
 * For every process under a host's init: utime + stime + cutime + cstime. A process that exited
 * was added to its parent's cutime/cstime when reaped, so the sum over the living processes
 * counts every finished process once; the delta between two readings is what ran in between.
 */
const TICK_MS = 10; // CLK_TCK is 100 on Linux

interface Proc {
  ppid: number;
  ticks: number;
}

function readProcs(): Map<number, Proc> {
  const procs = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // the command name may contain spaces and parentheses: fields start after the last ')'
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14-17
    const ppid = Number(f[1]);
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    procs.set(Number(name), { ppid, ticks });
  }
  return procs;
}

/** Total CPU ms so far of every host's process tree (init included) of the given clusters. */
export function hostCpuMs(clusters: Cluster[]): number {
  const procs = readProcs();
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(pid);
    children.set(p.ppid, list);
  }
  let ticks = 0;
  for (const c of clusters) {
    for (const h of c.hosts) {
      const stack = [h.initPid];
      while (stack.length) {
        const pid = stack.pop()!;
        const p = procs.get(pid);
        if (!p) continue;
        ticks += p.ticks;
        stack.push(...(children.get(pid) ?? []));
      }
    }
  }
  return ticks * TICK_MS;
}

/** Measure the hosts' CPU around an async action. */
export async function withHostCpu<T>(clusters: Cluster[], fn: () => Promise<T>): Promise<{ value: T; hostCpuMs: number }> {
  const before = hostCpuMs(clusters);
  const value = await fn();
  return { value, hostCpuMs: hostCpuMs(clusters) - before };
}
