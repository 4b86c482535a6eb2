/**
 * Stopping and starting a kubelet static pod the way kubeadm's own docs do it: move its manifest
 * out of the manifests dir, to a dir kubelet does not read, and back.
 *
 * kubelet runs every file of the manifests dir (a backup left there, `etcd.yaml.bak`, becomes a
 * second pod), and it stops a pod some seconds after its manifest leaves. So the manifest is
 * parked in a sibling dir (`/etc/kubernetes/manifests-parked/etcd.yaml`), never in or under the
 * manifests dir, and a stop is done only when /proc shows no process running the pod's command
 * and none holding its data dir open. A stop that cannot make the process go away puts the
 * manifest back and fails: the pod is left as it was found.
 */
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { quote } from '../../transport/shell-quote.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { execOnHost } from './exec.js';
import { describeProcess, parseProcLines, pathUsersCommand, PROC_UNREADABLE, processesCommand, runsCommand, type ProcEntry } from './proc-scan.js';
import { sleep } from './sleep.js';

export interface StaticPodTarget {
  /** the manifest's place in the manifests dir, e.g. /etc/kubernetes/manifests/etcd.yaml */
  manifest: string;
  /** where it is parked while stopped */
  parked: string;
  /** a stop also waits until nothing has this open (etcd's data dir); a start counts a process holding it as started */
  dataDir?: string;
  /** seconds to wait for the process to go or come */
  timeoutS: number;
  /** what the pod is, for messages: "etcd", "the API server" */
  label: string;
}

/** `/etc/kubernetes/manifests/etcd.yaml` -> `/etc/kubernetes/manifests-parked/etcd.yaml` */
export function parkedPathOf(manifest: string, parkedDir?: string): string {
  const dir = parkedDir ?? `${posix.dirname(manifest).replace(/\/+$/, '')}-parked`;
  return posix.join(dir, posix.basename(manifest));
}

/** why a parked path would still be read by kubelet, or undefined */
export function parkedPathProblem(manifest: string, parked: string): string | undefined {
  const manifests = posix.normalize(posix.dirname(manifest));
  const at = posix.normalize(posix.dirname(parked));
  if (at === manifests || at.startsWith(`${manifests}/`)) {
    return `the parked dir ${at} is in the manifests dir ${manifests}: kubelet would still see the manifest; park it in a sibling dir such as ${manifests}-parked`;
  }
  return undefined;
}

/** every container's command + args of a pod manifest; throws with what is wrong */
export function podCommands(text: string, file: string): string[][] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const spec = (doc as { spec?: { containers?: unknown } } | null)?.spec;
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) throw new Error(`${file} has no spec.containers: not a pod manifest`);
  const out: string[][] = [];
  for (const c of containers as { name?: unknown; command?: unknown; args?: unknown }[]) {
    const words = [...(Array.isArray(c?.command) ? c.command : []), ...(Array.isArray(c?.args) ? c.args : [])];
    if (words.length === 0 || !words.every((w) => typeof w === 'string' || typeof w === 'number')) {
      throw new Error(`${file}: container ${String(c?.name ?? '?')} has no command of plain strings: cannot tell its process in /proc`);
    }
    out.push(words.map(String));
  }
  return out;
}

type Presence = { manifest: boolean; parked: boolean };

async function presence(ctx: ModuleContext, t: StaticPodTarget): Promise<Presence> {
  const r = await execOnHost(ctx, `for f in ${quote(t.manifest)} ${quote(t.parked)}; do if [ -e "$f" ]; then echo yes; else echo no; fi; done`);
  const [m, p] = r.stdout.trim().split('\n');
  if (r.exitCode !== 0 || m === undefined || p === undefined) throw new Error(`${ctx.host}: cannot look at ${t.manifest}: ${r.stderr.trim()}`);
  return { manifest: m === 'yes', parked: p === 'yes' };
}

async function readCommands(ctx: ModuleContext, file: string): Promise<string[][]> {
  const r = await execOnHost(ctx, `cat -- ${quote(file)}`);
  if (r.exitCode !== 0) throw new Error(`${ctx.host}: cannot read ${file}: ${r.stderr.trim()}`);
  return podCommands(r.stdout, `${ctx.host}:${file}`);
}

/** the pod's processes and, with a data dir, whatever holds it open */
export async function podProcesses(ctx: ModuleContext, commands: string[][], dataDir?: string): Promise<{ pod: ProcEntry[]; users: ProcEntry[] }> {
  const names = [...new Set(commands.map((c) => posix.basename(c[0]!)))];
  const r = await execOnHost(ctx, processesCommand(names));
  const pod = parseProcLines(r.stdout).filter((p) => commands.some((c) => runsCommand(p.argv, c)));
  let users: ProcEntry[] = [];
  if (dataDir !== undefined) users = await pathUsers(ctx, dataDir);
  return { pod, users };
}

/** the processes with `path` open, or an error when /proc cannot be read (that proves nothing) */
export async function pathUsers(ctx: ModuleContext, path: string): Promise<ProcEntry[]> {
  const r = await execOnHost(ctx, pathUsersCommand(path));
  if (r.exitCode === PROC_UNREADABLE) throw new Error(`${ctx.host}: ${r.stderr.trim()}`);
  if (r.exitCode !== 0) throw new Error(`${ctx.host}: looking for processes using ${path} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return parseProcLines(r.stdout);
}

const POLL_MS = 1000;
const PROGRESS_EVERY_MS = 5000;

/**
 * Poll until `done` says so or the time is up; one progress line every few seconds.
 * Returns the last answer's leftovers (empty when done).
 */
export async function pollUntilEmpty(ctx: ModuleContext, timeoutS: number, probe: () => Promise<ProcEntry[]>, waiting: (left: ProcEntry[]) => string): Promise<ProcEntry[]> {
  const deadline = Date.now() + timeoutS * 1000;
  let lastLog = Date.now();
  for (;;) {
    const left = await probe();
    if (left.length === 0 || Date.now() >= deadline) return left;
    if (Date.now() - lastLog >= PROGRESS_EVERY_MS) {
      ctx.log(waiting(left));
      lastLog = Date.now();
    }
    await sleep(POLL_MS, ctx.signal);
  }
}

function listed(ps: ProcEntry[]): string {
  return ps.map(describeProcess).join(', ');
}

/** put a parked manifest back without the run's abort signal: this is the cleanup of an abort */
async function unpark(ctx: ModuleContext, t: StaticPodTarget): Promise<string | undefined> {
  const r = await ctx.transport.exec(`[ ! -e ${quote(t.manifest)} ] && mv -n -- ${quote(t.parked)} ${quote(t.manifest)}`, {
    become: ctx.become,
    timeoutMs: 60_000,
  });
  return r.exitCode === 0 ? undefined : r.stderr.trim() || `exit ${r.exitCode}`;
}

function fail(msg: string, data: Record<string, unknown>, changed = false): ModuleResult {
  return { changed, failed: true, msg, data };
}

/**
 * Stop the pod: park its manifest and wait until /proc shows neither its process nor anything
 * holding the data dir. Already parked: only the proof. Not gone in time: the manifest goes back.
 */
export async function stopStaticPod(ctx: ModuleContext, t: StaticPodTarget): Promise<ModuleResult> {
  const data: Record<string, unknown> = { manifest: t.manifest, parked: t.parked, style: 'static_pod' };
  const problem = parkedPathProblem(t.manifest, t.parked);
  if (problem) return fail(problem, data);
  const where = await presence(ctx, t);
  if (where.manifest && where.parked) {
    return fail(`${ctx.host}: both ${t.manifest} and a parked copy ${t.parked} exist (left by an earlier run?): compare them, keep the right one in the manifests dir and move the other away`, data);
  }
  if (!where.manifest && !where.parked) return fail(`${ctx.host}: no ${t.label} manifest at ${t.manifest}, and none parked at ${t.parked}`, data);

  const commands = await readCommands(ctx, where.manifest ? t.manifest : t.parked);
  const gone = async () => {
    const { pod, users } = await podProcesses(ctx, commands, t.dataDir);
    return [...pod, ...users.filter((u) => !pod.some((p) => p.pid === u.pid))];
  };

  if (!where.manifest) {
    // parked already, by an earlier step or an operator: a stop still has to prove the process is gone
    const left = ctx.check ? await gone() : await pollUntilEmpty(ctx, t.timeoutS, gone, (l) => `waiting for ${listed(l)} to exit`);
    if (left.length) {
      return fail(`${ctx.host}: the ${t.label} manifest is parked at ${t.parked}, yet ${listed(left)} still runs${t.dataDir ? ` or holds ${t.dataDir}` : ''}: stop it before going on`, data);
    }
    return { changed: false, msg: `${t.label} is stopped (manifest parked at ${t.parked}; no process left)`, data };
  }

  if (ctx.check) return { changed: true, msg: `would move ${t.manifest} to ${t.parked} and wait until ${t.label} is gone`, data };
  const dir = posix.dirname(t.parked);
  const mv = await execOnHost(ctx, `set -e\nmkdir -p -m 0700 -- ${quote(dir)}\nmv -n -- ${quote(t.manifest)} ${quote(t.parked)}\n[ ! -e ${quote(t.manifest)} ]`);
  if (mv.exitCode !== 0) return fail(`${ctx.host}: could not move ${t.manifest} to ${t.parked}: ${mv.stderr.trim() || `exit ${mv.exitCode}`}`, data);

  let left: ProcEntry[];
  try {
    left = await pollUntilEmpty(ctx, t.timeoutS, gone, (l) => `manifest parked; waiting for ${listed(l)} to exit`);
  } catch (e) {
    const why = await unpark(ctx, t);
    throw why === undefined ? e : new Error(`${(e as Error).message}; putting ${t.manifest} back failed too: ${why}`);
  }
  if (left.length) {
    const why = await unpark(ctx, t);
    const back = why === undefined ? `${t.manifest} was put back` : `putting ${t.manifest} back failed (${why}): it is at ${t.parked}`;
    return fail(`${ctx.host}: ${t.label} did not stop within ${t.timeoutS}s of parking its manifest: ${listed(left)} still runs${t.dataDir ? ` or holds ${t.dataDir}` : ''}; ${back}`, data, why !== undefined);
  }
  return { changed: true, msg: `${t.label} stopped: ${t.manifest} parked at ${t.parked}, no process left`, data };
}

/** Start the pod: put its parked manifest back and wait for its process. In place already: nothing to do. */
export async function startStaticPod(ctx: ModuleContext, t: StaticPodTarget): Promise<ModuleResult> {
  const data: Record<string, unknown> = { manifest: t.manifest, parked: t.parked, style: 'static_pod' };
  const where = await presence(ctx, t);
  if (where.manifest) {
    const also = where.parked ? ` (a parked copy is also at ${t.parked})` : '';
    return { changed: false, msg: `${t.label} manifest is in place at ${t.manifest}${also}`, data };
  }
  if (!where.parked) return fail(`${ctx.host}: no ${t.label} manifest at ${t.manifest}, and none parked at ${t.parked}: nothing to start from`, data);
  const commands = await readCommands(ctx, t.parked);
  if (ctx.check) return { changed: true, msg: `would move ${t.parked} back to ${t.manifest} and wait for ${t.label}`, data };
  const mv = await execOnHost(ctx, `mv -n -- ${quote(t.parked)} ${quote(t.manifest)} && [ -e ${quote(t.manifest)} ] && [ ! -e ${quote(t.parked)} ]`);
  if (mv.exitCode !== 0) return fail(`${ctx.host}: could not move ${t.parked} back to ${t.manifest}: ${mv.stderr.trim() || `exit ${mv.exitCode}`}`, data);
  // the pod's command in /proc, or (a manifest that starts etcd through a wrapper) its data dir held
  const running = async (): Promise<ProcEntry[]> => {
    const { pod, users } = await podProcesses(ctx, commands, t.dataDir);
    return pod.length > 0 || users.length > 0 ? [] : [{ pid: 0, argv: [] }];
  };
  const missing = await pollUntilEmpty(ctx, t.timeoutS, running, () => `manifest back; waiting for ${t.label} to start`);
  if (missing.length) {
    return fail(`${ctx.host}: ${t.manifest} is back in the manifests dir, but no ${t.label} process started within ${t.timeoutS}s (is kubelet running? see its log and /var/log/pods)`, data, true);
  }
  return { changed: true, msg: `${t.label} started: ${t.manifest} back in the manifests dir, process running`, data };
}
