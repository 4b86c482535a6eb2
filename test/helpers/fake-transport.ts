/**
 * Transports for unit tests of modules, in the style of pyinfra's operation tests: give the
 * host's state, run the module, compare the exact commands it sent.
 *
 *   const t = new FakeTransport()
 *     .on(/^if test -e/, { stdout: 'absent\n0022\n' })
 *     .on(/^fail\(\)/, {});
 *   await copy.run(moduleContext(t), { dest: '/etc/x', content: 'hi' });
 *   t.commands  // ['if test -e /etc/x; then ...', 'fail() { ...']
 *   t.puts      // [{ dest: '/etc/.x.runbook-tmp-<hex>', content: <Buffer 68 69>, mode: 0o600 }]
 *
 * `recording(inner)` wraps a real transport (e.g. the local one) the same way, so a test can
 * run a module against a real shell and still see what it sent.
 */
import { Readable, type Duplex } from 'node:stream';
import type { Become, ExecOptions, ExecResult, PutOptions, Transport } from '../../src/transport/types.js';

export interface FakeReply {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  timedOut?: boolean;
}

export interface FakeExecCall {
  kind: 'exec';
  command: string;
  become?: Become | false;
  stdin?: string;
  timeoutMs?: number;
}
export interface FakePutCall {
  kind: 'put';
  dest: string;
  content: Buffer;
  mode?: number;
  become?: Become | false;
}
export interface FakeGetCall {
  kind: 'get';
  path: string;
  become?: Become | false;
}
export type FakeCall = FakeExecCall | FakePutCall | FakeGetCall;

export type FakeResponder =
  | FakeReply
  | ((call: { command: string; match: RegExpExecArray | null; fake: FakeTransport; opts: ExecOptions }) => FakeReply | Promise<FakeReply>);

export interface FakeRule {
  /** a RegExp is tested against the command as sent; a string must equal the normalized command */
  match: RegExp | string;
  reply: FakeResponder;
  /** answer this many times, then let later rules answer (default: always) */
  times?: number;
}

/** Temp names and backup timestamps are random/time-based: tests compare them in this form. */
export function normalizeCommand(command: string): string {
  return command.replace(/runbook-tmp-[0-9a-f]+/g, 'runbook-tmp-X').replace(/\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~/g, '.TIMESTAMP~');
}

async function readAll(source: Buffer | string | Readable): Promise<Buffer> {
  if (typeof source === 'string') return Buffer.from(source);
  if (Buffer.isBuffer(source)) return source;
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** The calls a transport saw, with helpers to read them in tests. */
class CallLog {
  readonly calls: FakeCall[] = [];

  /** exec commands in order, normalized (see normalizeCommand) */
  get commands(): string[] {
    return this.calls.filter((c): c is FakeExecCall => c.kind === 'exec').map((c) => normalizeCommand(c.command));
  }
  get execs(): FakeExecCall[] {
    return this.calls.filter((c): c is FakeExecCall => c.kind === 'exec');
  }
  get puts(): FakePutCall[] {
    return this.calls.filter((c): c is FakePutCall => c.kind === 'put');
  }
  get gets(): FakeGetCall[] {
    return this.calls.filter((c): c is FakeGetCall => c.kind === 'get');
  }
}

/**
 * Answers exec from a table of rules (first match wins) and keeps put/get files in memory.
 * A command no rule matches fails the test with the command in the message.
 */
export class FakeTransport extends CallLog implements Transport {
  readonly host: string;
  readonly files = new Map<string, Buffer>();
  private readonly rules: FakeRule[] = [];

  constructor(opts: { host?: string; rules?: FakeRule[]; files?: Record<string, string | Buffer> } = {}) {
    super();
    this.host = opts.host ?? 'node1';
    for (const r of opts.rules ?? []) this.rules.push({ ...r });
    for (const [path, content] of Object.entries(opts.files ?? {})) this.files.set(path, Buffer.from(content));
  }

  /** add a rule (fluent) */
  on(match: RegExp | string, reply: FakeResponder, times?: number): this {
    this.rules.push({ match, reply, ...(times === undefined ? {} : { times }) });
    return this;
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const call: FakeExecCall = { kind: 'exec', command, become: opts.become };
    if (opts.timeoutMs !== undefined) call.timeoutMs = opts.timeoutMs;
    if (opts.stdin !== undefined) call.stdin = (await readAll(opts.stdin)).toString();
    this.calls.push(call);
    const normalized = normalizeCommand(command);
    for (const rule of this.rules) {
      if (rule.times === 0) continue;
      let match: RegExpExecArray | null = null;
      if (typeof rule.match === 'string') {
        if (rule.match !== normalized) continue;
      } else {
        rule.match.lastIndex = 0;
        match = rule.match.exec(command);
        if (match === null) continue;
      }
      if (rule.times !== undefined) rule.times--;
      const reply = typeof rule.reply === 'function' ? await rule.reply({ command, match, fake: this, opts }) : rule.reply;
      return {
        exitCode: reply.exitCode ?? 0,
        stdout: reply.stdout ?? '',
        stderr: reply.stderr ?? '',
        durationMs: 1,
        ...(reply.timedOut ? { timedOut: true } : {}),
      };
    }
    throw new Error(`FakeTransport(${this.host}): no rule for command:\n${command}`);
  }

  async put(source: Buffer | string | Readable, dest: string, opts: PutOptions = {}): Promise<void> {
    const content = await readAll(source);
    this.calls.push({ kind: 'put', dest, content, mode: opts.mode, become: opts.become });
    this.files.set(dest, content);
  }

  async get(path: string, opts: { become?: Become | false } = {}): Promise<Readable> {
    this.calls.push({ kind: 'get', path, become: opts.become });
    const content = this.files.get(path);
    if (content === undefined) throw new Error(`FakeTransport(${this.host}): cannot read ${path}: no such file`);
    return Readable.from([content]);
  }

  async forward(host: string, port: number): Promise<Duplex> {
    throw new Error(`FakeTransport(${this.host}): forward ${host}:${port} is not faked`);
  }

  async close(): Promise<void> {}
}

/** A real transport whose calls are recorded like FakeTransport's (puts are recorded without content). */
export function recording(inner: Transport): Transport & CallLog {
  const log = new CallLog();
  const t: Transport = {
    host: inner.host,
    async exec(command, opts = {}) {
      const stdin = typeof opts.stdin === 'string' || Buffer.isBuffer(opts.stdin) ? opts.stdin.toString() : undefined;
      log.calls.push({ kind: 'exec', command, become: opts.become, ...(stdin === undefined ? {} : { stdin }) });
      return inner.exec(command, opts);
    },
    async put(source, dest, opts = {}) {
      log.calls.push({ kind: 'put', dest, content: Buffer.isBuffer(source) ? source : Buffer.alloc(0), mode: opts.mode, become: opts.become });
      return inner.put(source, dest, opts);
    },
    async get(path, opts = {}) {
      log.calls.push({ kind: 'get', path, become: opts.become });
      return inner.get(path, opts);
    },
    forward: (host, port) => inner.forward(host, port),
    close: () => inner.close(),
  };
  return Object.assign(log, t);
}
