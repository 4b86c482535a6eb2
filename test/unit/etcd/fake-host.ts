/**
 * A scripted host for planning tests: every command is recorded, and answered by the first rule
 * whose pattern matches it. Nothing runs.
 */
import { Readable, type Duplex } from 'node:stream';
import type { ModuleContext } from '../../../src/modules/types.js';
import type { ExecOptions, ExecResult, PutOptions, Transport } from '../../../src/transport/types.js';

export interface Reply {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

export type Rule = [RegExp, Reply | ((command: string) => Reply)];

export class ScriptedTransport implements Transport {
  readonly commands: string[] = [];
  readonly execOptions: ExecOptions[] = [];
  readonly puts: Array<{ dest: string; opts?: PutOptions }> = [];

  constructor(
    readonly host: string,
    private readonly rules: Rule[] = [],
  ) {}

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    this.execOptions.push(opts);
    const rule = this.rules.find(([re]) => re.test(command));
    const reply = rule ? (typeof rule[1] === 'function' ? rule[1](command) : rule[1]) : { exitCode: 0 };
    return { exitCode: reply.exitCode ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', durationMs: 1 };
  }

  async put(_source: Buffer | string | Readable, dest: string, opts?: PutOptions): Promise<void> {
    this.puts.push({ dest, opts });
  }

  async get(): Promise<Readable> {
    return Readable.from([]);
  }

  async forward(_host: string, _port: number): Promise<Duplex> {
    throw new Error('no network in planning tests');
  }

  async close(): Promise<void> {}

  /** the recorded commands matching `re` */
  matching(re: RegExp): string[] {
    return this.commands.filter((c) => re.test(c));
  }
}

export interface FakeInventory {
  /** host -> vars */
  hosts: Record<string, Record<string, unknown>>;
  groups?: Record<string, string[]>;
}

export function fakeContext(
  transport: ScriptedTransport,
  inv: FakeInventory,
  opts: { check?: boolean; runId?: string; become?: ModuleContext['become'] } = {},
): ModuleContext & { logs: string[] } {
  const all = Object.keys(inv.hosts);
  const groups = { all, ...(inv.groups ?? { etcd: all }) };
  const varsOf = (h: string) => ({ ...(inv.hosts[h] ?? {}), inventory_hostname: h, groups });
  const logs: string[] = [];
  return {
    host: transport.host,
    vars: varsOf(transport.host),
    transport,
    become: opts.become ?? { user: 'root' },
    check: opts.check ?? false,
    diff: false,
    runId: opts.runId ?? 'run42',
    signal: new AbortController().signal,
    log: (l) => logs.push(l),
    transportFor: async (h) => {
      if (h === transport.host) return transport;
      throw new Error(`no connection to ${h} in this test`);
    },
    hostVarsOf: varsOf,
    prompt: async () => {
      throw new Error('no TTY');
    },
    runDir: '/tmp/runbook-test',
    logs,
  };
}

/** a `versionProbeCommand` answer */
export function versionProbeOutput(v: { etcd?: string; etcdctl?: string; etcdutl?: string }): string {
  const part = (name: string, version: string | undefined, line: (v: string) => string) =>
    version === undefined ? `== ${name} -\n` : `== ${name} /usr/local/bin/${name}\n${line(version)}\n`;
  return (
    part('etcd', v.etcd, (x) => `etcd Version: ${x}\nGit SHA: abc\nGo Version: go1.21`) +
    part('etcdctl', v.etcdctl, (x) => `etcdctl version: ${x}\nAPI version: 3.5`) +
    part('etcdutl', v.etcdutl, (x) => `etcdutl version: ${x}\nAPI version: 3.5`)
  );
}

/** an `integrityProbeCommand` answer for a healthy saved snapshot */
export function goodSnapshotProbe(sha = 'a'.repeat(64)): string {
  return `size=${4096 * 5 + 32}\nstate=ok\nsha256=${sha}\nbody_sha256=${'b'.repeat(64)}\ntail=${'b'.repeat(64)}\n`;
}
