import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { execOnHost } from '../../modules/lib/exec.js';
import { readRemoteFile } from '../../modules/lib/remote-file.js';
import type { Module, ModuleResult } from '../../modules/types.js';
import { sh } from '../../transport/shell-quote.js';
import { resolveConfigStyle } from '../config-style.js';
import { hostConfig, memberHost } from '../context.js';
import { configFileOf, effectiveOption, environOf, OPTION_NAME, splitNul, type EffectiveOption } from './config-text.js';
import { failed } from './common.js';

const schema = z
  .object({
    options: z
      .array(z.string().regex(OPTION_NAME, 'an etcd option as its flag is spelled, without dashes: heartbeat-interval'))
      .min(1)
      .describe('options to report, named as etcd flags without dashes: [heartbeat-interval, election-timeout]'),
    expect: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('fail unless the running member uses these values: {heartbeat-interval: 500}'),
    service: z.string().min(1).optional().describe('the systemd unit running etcd (default: etcd_service)'),
    style: z
      .enum(['env', 'flags', 'static_pod'])
      .optional()
      .describe('how etcd runs: a systemd unit (env, flags) or a static pod, whose etcd process is found by its --name (default: etcd_config_style, else detected)'),
  })
  .strict();

export type EtcdRunningConfigArgs = z.infer<typeof schema>;

/** with $pid found: print it, its command line and environment (base64, so any byte survives) */
const PRINT_PROCESS = [
  'echo "pid=$pid"',
  'cat /proc/$pid/environ >/dev/null || exit 13',
  'echo "comm=$(cat /proc/$pid/comm)"',
  'echo "cmdline=$(base64 -w 0 < /proc/$pid/cmdline)"',
  'echo "environ=$(base64 -w 0 < /proc/$pid/environ)"',
];

/**
 * Find the unit's main process (or its etcd child, when the unit starts etcd through a shell)
 * and print its pid, command line and environment, base64 so any byte survives.
 */
export function probeCommand(unit: string): string {
  return [
    sh`pid=$(systemctl show -p MainPID ${unit} 2>/dev/null | sed -n 's/^MainPID=//p')`,
    'case "$pid" in ""|0) echo "pid=0"; exit 0;; esac',
    'if [ "$(cat /proc/$pid/comm 2>/dev/null)" != etcd ]; then c=$(pgrep -P "$pid" -x etcd 2>/dev/null | head -n 1); [ -n "$c" ] && pid=$c; fi',
    ...PRINT_PROCESS,
  ].join('\n');
}

/**
 * A static pod's etcd has no unit: find the etcd process whose command line has this member's
 * `--name` (a node runs one member, but a restart can briefly show two: the newest wins), else
 * the newest etcd process. The rest as for a unit.
 */
export function podProbeCommand(name: string): string {
  return [
    'pid=""',
    sh`for p in $(pgrep -x etcd 2>/dev/null); do if tr '\\0' '\\n' < /proc/$p/cmdline 2>/dev/null | grep -qxF -e ${`--name=${name}`}; then pid=$p; fi; done`,
    '[ -n "$pid" ] || pid=$(pgrep -n -x etcd 2>/dev/null)',
    'case "$pid" in ""|0) echo "pid=0"; exit 0;; esac',
    ...PRINT_PROCESS,
  ].join('\n');
}

export interface ProbeResult {
  pid: number;
  comm?: string;
  argv: string[];
  environ: Record<string, string>;
}

export function parseProbe(stdout: string): ProbeResult {
  const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(stdout)?.[1]?.trim();
  const pid = Number(field('pid') ?? '0');
  const b64 = (name: string) => Buffer.from(field(name) ?? '', 'base64');
  return {
    pid: Number.isInteger(pid) ? pid : 0,
    comm: field('comm'),
    argv: splitNul(b64('cmdline')),
    environ: environOf(splitNul(b64('environ'))),
  };
}

/**
 * What the running member actually uses, read from its process: the command line and the
 * environment in /proc (a flag beats an ETCD_* variable, a config file beats both), etcd's
 * default otherwise. After editing files and restarting, this is the proof the new values are
 * in force. Reading another user's /proc environ needs root: run it with become.
 */
export const etcdRunningConfig: Module<EtcdRunningConfigArgs> = {
  name: 'etcd_running_config',
  summary: "read the options the running etcd process (of its unit or its static pod) uses, from its /proc command line and environment; optionally check them",
  schema,
  readOnly: true,
  describe: (a) => `read ${a.options.join(', ')} of the running etcd${a.expect ? ' and check them' : ''}`,
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    const host = memberHost(ctx);
    const config = hostConfig(ctx, host);
    const service = a.service ?? config.service;
    const style = a.style ?? (a.service !== undefined ? 'env' : (await resolveConfigStyle(ctx, host)).style);
    const pod = style === 'static_pod';
    const unit = pod ? `the static pod ${config.manifest}` : service.includes('.') ? service : `${service}.service`;
    const r = await execOnHost(ctx, pod ? podProbeCommand(config.name) : probeCommand(unit));
    if (r.exitCode !== 0) {
      const why = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' | ');
      return failed(`cannot read the etcd process of ${unit} on ${host}: ${why}${/denied/i.test(why) ? ' (run the task with become: true)' : ''}`);
    }
    const probe = parseProbe(r.stdout);
    if (probe.pid === 0) return failed(`${unit} is not running on ${host}: ${pod ? 'no etcd process' : 'no main process'}`, { running: false });
    if (probe.argv.length === 0) return failed(`cannot read the command line of process ${probe.pid} on ${host}`, { pid: probe.pid });

    const configPath = configFileOf(probe.argv, probe.environ);
    let fileOptions: Record<string, unknown> | undefined;
    if (configPath !== undefined) {
      const parsed = parseYaml((await readRemoteFile(ctx, configPath)).toString('utf8')) as unknown;
      fileOptions = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    }
    const effective: Record<string, EffectiveOption> = Object.fromEntries(
      a.options.map((o) => [o, effectiveOption(o, probe.argv, probe.environ, fileOptions)]),
    );
    const values = Object.fromEntries(Object.entries(effective).map(([o, e]) => [o, e.value]));
    const sources = Object.fromEntries(Object.entries(effective).map(([o, e]) => [o, e.source]));
    const mismatches = Object.entries(a.expect ?? {})
      .map(([o, want]) => ({ o, want: String(want), got: effective[o] ?? effectiveOption(o, probe.argv, probe.environ, fileOptions) }))
      .filter((m) => m.got.value !== m.want);
    const shown = a.options.map((o) => `${o}=${effective[o]!.value ?? '(unset)'} (${effective[o]!.source})`).join(', ');
    const data = { pid: probe.pid, service: unit, style, options: values, sources, config_file: configPath ?? null, running: true };
    if (mismatches.length > 0) {
      return {
        changed: false,
        failed: true,
        msg: `etcd (pid ${probe.pid}) on ${host} runs with ${mismatches.map((m) => `${m.o}=${m.got.value ?? '(unset)'} (${m.got.source}), expected ${m.want}`).join('; ')}`,
        data: { ...data, mismatches: mismatches.map((m) => ({ option: m.o, expected: m.want, actual: m.got.value, source: m.got.source })) },
      };
    }
    return { changed: false, msg: `etcd (pid ${probe.pid}) on ${host}: ${shown}`, data };
  },
};
