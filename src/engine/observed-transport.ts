import type { Readable, Duplex } from 'node:stream';
import type { EventBus } from '../events/bus.js';
import type { ExecOptions, ExecResult, PutOptions, Transport } from '../transport/types.js';
import type { Secrets } from './redact.js';

export interface ObservedOptions {
  /** the task is `no_log`: neither its commands nor their output are told */
  noLog: boolean;
  /** the task's output is secret (it registers a secret-named value): commands are told, output is not */
  quietOutput?: boolean;
  /** the run's secrets: a command that holds one travels to the host on stdin (hideCommand) */
  secrets?: Secrets;
}

/**
 * A Transport that tells the run what it does: each command becomes a `cmd` event and its
 * output `output` events, so every reporter can show live progress without modules knowing.
 * With `noLog` the command text and output are withheld. Output a module marks as secret
 * material (`secretOutput`, a TLS key) is never told, whatever the task. A command whose text
 * holds a secret, and every command of a no_log task, is sent to the host on stdin, so no one
 * reading the host's process list sees it.
 */
export class ObservedTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly bus: EventBus,
    private readonly task: string,
    private readonly forHost: string,
    private readonly opts: ObservedOptions,
  ) {}

  get host(): string {
    return this.inner.host;
  }

  get lost(): boolean | undefined {
    return this.inner.lost;
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const host = this.forHost;
    const task = this.task;
    const { noLog, quietOutput, secrets } = this.opts;
    this.bus.emit({ type: 'cmd', host, task, command: noLog ? '<hidden: no_log>' : command });
    const hide = opts.hideCommand || noLog || Boolean(secrets && (secrets.occursIn(command) || Object.values(opts.env ?? {}).some((v) => secrets.occursIn(v))));
    const sent: ExecOptions = hide ? { ...opts, hideCommand: true } : opts;
    if (noLog || quietOutput || opts.secretOutput) return this.inner.exec(command, sent);
    const stdout = new PrivateKeyGuard();
    const stderr = new PrivateKeyGuard();
    return this.inner.exec(command, {
      ...sent,
      onStdout: (text) => {
        opts.onStdout?.(text);
        const shown = stdout.filter(text);
        if (shown) this.bus.emit({ type: 'output', host, task, stream: 'stdout', text: shown });
      },
      onStderr: (text) => {
        opts.onStderr?.(text);
        const shown = stderr.filter(text);
        if (shown) this.bus.emit({ type: 'output', host, task, stream: 'stderr', text: shown });
      },
    });
  }

  put(source: Buffer | string | Readable, dest: string, opts?: PutOptions): Promise<void> {
    this.bus.emit({ type: 'cmd', host: this.forHost, task: this.task, command: `put ${dest}` });
    return this.inner.put(source, dest, opts);
  }

  get(path: string, opts?: Parameters<Transport['get']>[1]): Promise<Readable> {
    return this.inner.get(path, opts);
  }

  forward(host: string, port: number): Promise<Duplex> {
    return this.inner.forward(host, port);
  }

  close(): Promise<void> {
    // the pool owns the connection; a task must not close it
    return Promise.resolve();
  }
}

/**
 * A PEM private key printed by a command (`cat key.pem` in a shell task) arrives in chunks; the
 * redactor blanks a chunk from `BEGIN ... PRIVATE KEY` to its end, and this drops the chunks
 * after it up to the `END` line, which alone do not look like a key.
 */
export class PrivateKeyGuard {
  private inKey = false;

  filter(text: string): string {
    let out = '';
    let rest = text;
    while (rest) {
      if (this.inKey) {
        const end = /-----END [A-Z0-9 ]*PRIVATE KEY-----\n?/.exec(rest);
        if (!end) return out;
        this.inKey = false;
        out += '<private key hidden>';
        rest = rest.slice(end.index + end[0].length);
        continue;
      }
      const begin = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.exec(rest);
      if (!begin) return out + rest;
      out += rest.slice(0, begin.index);
      this.inKey = true;
      rest = rest.slice(begin.index + begin[0].length);
    }
    return out;
  }
}
