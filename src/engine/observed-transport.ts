import type { Readable, Duplex } from 'node:stream';
import type { EventBus } from '../events/bus.js';
import type { ExecOptions, ExecResult, PutOptions, Transport } from '../transport/types.js';

/**
 * A Transport that tells the run what it does: each command becomes a `cmd` event and its
 * output `output` events, so every reporter can show live progress without modules knowing.
 * With `noLog` the command text and output are withheld.
 */
export class ObservedTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly bus: EventBus,
    private readonly task: string,
    private readonly forHost: string,
    private readonly noLog: boolean,
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
    this.bus.emit({ type: 'cmd', host, task, command: this.noLog ? '<hidden: no_log>' : command });
    if (this.noLog) return this.inner.exec(command, opts);
    return this.inner.exec(command, {
      ...opts,
      onStdout: (text) => {
        opts.onStdout?.(text);
        this.bus.emit({ type: 'output', host, task, stream: 'stdout', text });
      },
      onStderr: (text) => {
        opts.onStderr?.(text);
        this.bus.emit({ type: 'output', host, task, stream: 'stderr', text });
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
