/**
 * `process_flags`: what a running Kubernetes component really uses, from the kernel's process
 * table: the newest process whose program is `program` (kube-controller-manager, kubelet), its
 * `--flags` from /proc/PID/cmdline and when it started. After a manifest edit or a config write
 * and a restart, this is the proof the new values are in force: a flag must read back as
 * expected, and a process that reads a file at start (the kubelet's --config) must have started
 * after that file last changed.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { execOnHost } from '../../modules/lib/exec.js';
import { parseProcLines, processesCommand } from '../../modules/lib/proc-scan.js';
import type { Module, ModuleResult } from '../../modules/types.js';
import { quote } from '../../transport/shell-quote.js';

const schema = z
  .object({
    program: z.string().regex(/^[A-Za-z0-9._-]+$/, 'the program name, e.g. kube-controller-manager').describe('the program\'s base name, e.g. kube-controller-manager or kubelet'),
    expect: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe('fail unless the process runs with these flags (without dashes): {node-monitor-grace-period: 40s}; null: the flag is not given'),
    started_after: z
      .string()
      .startsWith('/', 'must be an absolute path')
      .optional()
      .describe('fail unless the process started after this file was last modified (it has read the current file)'),
  })
  .strict();

export type ProcessFlagsArgs = z.infer<typeof schema>;

/** `--a=1 --b 2 --c` -> {a: '1', b: '2', c: 'true'}; the last occurrence wins, as with pflag */
export function flagsOf(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([A-Za-z0-9][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(argv[i]!);
    if (!m) continue;
    if (m[2] !== undefined) out[m[1]!] = m[2];
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) out[m[1]!] = argv[++i]!;
    else out[m[1]!] = 'true';
  }
  return out;
}

/** argv without an interpreter in front (`/usr/bin/python3 /usr/local/bin/kubelet ...`), or null */
export function programArgv(argv: readonly string[], program: string): string[] | null {
  for (let k = 0; k <= 2 && k < argv.length; k++) if (posix.basename(argv[k]!) === program) return argv.slice(k);
  return null;
}

/** start time (seconds since the epoch, ticks resolution) of each pid, and a file's mtime */
function timesCommand(pids: number[], file: string | undefined): string {
  return [
    'tck=$(getconf CLK_TCK); bt=$(sed -n "s/^btime //p" /proc/stat)',
    `for p in ${pids.join(' ')}; do s=$(sed 's/^.*) //' /proc/$p/stat 2>/dev/null | cut -d" " -f20) && [ -n "$s" ] && echo "start $p $bt $s $tck"; done`,
    file !== undefined ? `m=$(stat -c %.9Y -- ${quote(file)} 2>/dev/null || stat -c %Y -- ${quote(file)} 2>/dev/null) && echo "mtime $m"` : ':',
  ].join('\n');
}

export const processFlags: Module<ProcessFlagsArgs> = {
  name: 'process_flags',
  summary: "read the --flags and start time of a running program (e.g. kube-controller-manager, kubelet) from /proc; optionally check them and that it started after a file changed",
  schema,
  readOnly: true,
  describe: (a) => `read the flags of the running ${a.program}${a.expect ? ' and check them' : ''}${a.started_after ? ` (started after ${a.started_after} changed)` : ''}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const r = await execOnHost(ctx, processesCommand([a.program]));
    const procs = parseProcLines(r.stdout)
      .map((p) => ({ pid: p.pid, argv: programArgv(p.argv, a.program) }))
      .filter((p): p is { pid: number; argv: string[] } => p.argv !== null);
    if (procs.length === 0) return { changed: false, failed: true, msg: `no ${a.program} process runs on ${ctx.host}`, data: { running: false } };
    const t = await execOnHost(ctx, timesCommand(procs.map((p) => p.pid), a.started_after));
    const starts = new Map<number, number>();
    for (const m of t.stdout.matchAll(/^start (\d+) (\d+) (\d+) (\d+)$/gm)) starts.set(Number(m[1]), Number(m[2]) + Number(m[3]) / Number(m[4]));
    const mtimeText = /^mtime (\S+)$/m.exec(t.stdout)?.[1];
    // the newest: during a restart the old process can still be there for a moment
    const newest = procs.filter((p) => starts.has(p.pid)).sort((x, y) => starts.get(y.pid)! - starts.get(x.pid)!)[0];
    if (!newest) return { changed: false, failed: true, msg: `the ${a.program} process on ${ctx.host} exited while it was read`, data: { running: false } };
    const flags = flagsOf(newest.argv.slice(1));
    const startedAt = starts.get(newest.pid)!;
    const data: Record<string, unknown> = { running: true, pid: newest.pid, argv: newest.argv, flags, started_at: startedAt, processes: procs.length };
    const problems: string[] = [];
    for (const [o, want] of Object.entries(a.expect ?? {})) {
      if (want === null ? flags[o] !== undefined : flags[o] !== String(want)) problems.push(`--${o}=${flags[o] ?? '(unset)'}, expected ${want === null ? 'no such flag' : String(want)}`);
    }
    if (a.started_after !== undefined) {
      if (mtimeText === undefined) problems.push(`${a.started_after} is not there`);
      else if (startedAt < Number(mtimeText)) problems.push(`it started before ${a.started_after} last changed, so it has not read it (restart it)`);
      data.file_mtime = Number(mtimeText);
    }
    const shown = Object.keys(a.expect ?? {}).map((o) => `--${o}=${flags[o] ?? '(unset)'}`).join(' ');
    if (problems.length > 0) return { changed: false, failed: true, msg: `${a.program} (pid ${newest.pid}) on ${ctx.host} runs with ${problems.join('; ')}`, data: { ...data, problems } };
    return { changed: false, msg: `${a.program} (pid ${newest.pid}) on ${ctx.host}${shown ? `: ${shown}` : ''}${a.started_after ? `, started after ${a.started_after} changed` : ''}`, data };
  },
};
