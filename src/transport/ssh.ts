import { type Duplex, PassThrough, type Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { AuthError, CommandError, ConnectError, HostKeyError } from '../errors.js';
import { mergeBecome } from './become-default.js';
import { commandEnvelope } from './command-envelope.js';
import { getCommand, putCommand } from './put-command.js';
import { type CommandProcess, runCommand } from './run-command.js';
import { SessionSlots } from './session-slots.js';
import { commandChannel } from './ssh-command-channel.js';
import { handshake, type SshClient } from './ssh-handshake.js';
import type { Become, ConnectHooks, ConnectionSpec, ExecOptions, ExecResult, PutOptions, Transport } from './types.js';

export interface SshConnectOptions {
  /**
   * The connection to a ProxyJump host. By default a new one is made and closed with this one;
   * the pool passes a shared one so that many targets behind a bastion use one connection to it.
   */
  openJump?: (spec: ConnectionSpec) => Promise<Transport>;
}

/** sessions kept free for killing timed-out commands (see killGroup) */
const KILL_RESERVE = 1;
/** how long close() waits for the server to acknowledge before dropping the socket */
const CLOSE_WAIT_MS = 2_000;

/**
 * One ssh connection for the whole run; every command is a new exec channel on it, so a command
 * costs one round trip (~5 ms on a LAN), not a handshake. Channels may run concurrently (up to
 * spec.maxSessions, queued beyond). A dropped connection fails every running and later command
 * with ConnectError.
 *
 *   const t = await connectSsh(spec, { passphrase: (f) => prompt(`passphrase for ${f}: `) });
 *   const r = await t.exec('systemctl is-active etcd');
 *   await t.close();
 */
export async function connectSsh(spec: ConnectionSpec, hooks: ConnectHooks = {}, options: SshConnectOptions = {}): Promise<Transport> {
  let jump: Transport | undefined;
  let ownsJump = false;
  if (spec.proxyJump) {
    try {
      if (options.openJump) {
        jump = await options.openJump(spec.proxyJump);
      } else {
        jump = await connectSsh(spec.proxyJump, hooks);
        ownsJump = true;
      }
    } catch (err) {
      throw throughJump(spec, err);
    }
  }
  try {
    const client = await handshake(spec, hooks, jump);
    return new SshTransport(spec, client, ownsJump ? jump : undefined);
  } catch (err) {
    if (ownsJump) await jump!.close().catch(() => {});
    throw err;
  }
}

/** A failure to reach the jump host is reported for the target, keeping its kind (auth, host key). */
function throughJump(spec: ConnectionSpec, err: unknown): unknown {
  if (!(err instanceof ConnectError)) return err;
  const message = `through jump host ${err.message}`;
  if (err instanceof HostKeyError) return new HostKeyError(spec.name, message, err.expected, err.actual, err.hint);
  if (err instanceof AuthError) return new AuthError(spec.name, message, err.hint, { cause: err });
  return new ConnectError(spec.name, message, err.hint, { cause: err });
}

class SshTransport implements Transport {
  readonly host: string;
  /** set once the connection is unusable: every later call fails with it */
  private gone: ConnectError | undefined;
  private lostIt = false;
  private readonly slots: SessionSlots;
  private readonly channels = new Set<ClientChannel>();
  private readonly closedEvent: Promise<void>;

  constructor(
    private readonly spec: ConnectionSpec,
    private readonly client: SshClient,
    private readonly ownedJump: Transport | undefined,
  ) {
    this.host = spec.name;
    this.slots = new SessionSlots(Math.max(1, (spec.maxSessions ?? 10) - KILL_RESERVE));
    let lastError: Error | undefined;
    client.on('error', (err) => {
      lastError = err;
    });
    this.closedEvent = new Promise((resolve) => {
      // ssh2 emits 'close' on the client before it closes the open channels, so `gone` is set by
      // the time their handlers run and they can tell a lost connection from a normal end
      client.once('close', () => {
        if (!this.gone) this.lostIt = true;
        this.gone ??= new ConnectError(
          this.host,
          `connection lost to ${spec.address}:${spec.port}${lastError ? ` (${lastError.message})` : ' (closed by the server)'}`,
          'the host rebooted, sshd restarted or the network dropped; a command that was running may or may not have finished',
        );
        for (const ch of this.channels) ch.destroy();
        resolve();
        if (this.ownedJump) void this.ownedJump.close().catch(() => {});
      });
    });
  }

  get lost(): boolean {
    return this.lostIt;
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const become = this.become(opts.become);
    const envelope = commandEnvelope(command, { env: opts.env, become, reportPid: true, hideCommand: opts.hideCommand, interpreter: opts.interpreter });
    const proc = await this.openSession(envelope.command, (ch) => this.commandProcess(ch, become), { signal: opts.signal });
    return runCommand(proc, opts, envelope);
  }

  async put(source: Buffer | string | Readable, dest: string, opts: PutOptions = {}): Promise<void> {
    const command = putCommand(dest, opts.mode);
    const execOpts: ExecOptions = { stdin: source };
    if (opts.become !== undefined) execOpts.become = opts.become;
    const r = await this.exec(command, execOpts);
    if (r.exitCode !== 0) {
      throw new CommandError(this.host, command, r.exitCode, r.stderr, `${this.host}: cannot write ${dest}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    }
  }

  async get(path: string, opts: { become?: Become | false } = {}): Promise<Readable> {
    const become = this.become(opts.become);
    const envelope = commandEnvelope(getCommand(path), { become, reportPid: true });
    const command = envelope.command;
    const proc = await this.openSession(command, (ch) => this.commandProcess(ch, become));
    const out = new PassThrough();
    runCommand(proc, {}, envelope, { stdoutSink: out }).then(
      (r) => {
        if (r.exitCode === 0) out.end();
        else out.destroy(new CommandError(this.host, command, r.exitCode, r.stderr, `${this.host}: cannot read ${path}: ${r.stderr.trim() || `exit ${r.exitCode}`}`));
      },
      (err: Error) => out.destroy(err),
    );
    return out;
  }

  async forward(host: string, port: number): Promise<Duplex> {
    if (this.gone) throw this.gone;
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      try {
        this.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch)));
      } catch (err) {
        reject(err);
      }
    }).catch((err: Error) => {
      throw this.gone ?? new ConnectError(this.host, `cannot open a tunnel to ${host}:${port} from ${this.spec.address}: ${err.message}`);
    });
    this.track(channel);
    return channel;
  }

  async close(): Promise<void> {
    if (!this.gone) {
      this.gone = new ConnectError(this.host, 'connection already closed', 'a command was started after the run closed its connections');
      this.client.end();
      const timer = setTimeout(() => this.client.destroy(), CLOSE_WAIT_MS);
      await this.closedEvent;
      clearTimeout(timer);
    }
    await this.closedEvent;
    await this.ownedJump?.close();
  }

  /** The command's own become, else the host's default, with the host's sudo password. */
  private become(own: Become | false | undefined): Become | false | undefined {
    return mergeBecome(own, this.spec.become, this.spec.becomePassword);
  }

  /**
   * Signal a command's process group from a second channel: sshd honours signal requests only for
   * non-root logins. Kills skip the session queue (the slots may all be taken by what is hung).
   */
  private killGroup(pid: number, signal: 'TERM' | 'KILL', become: Become | false | undefined): void {
    if (this.gone || !Number.isInteger(pid) || pid <= 1) return;
    // become as root whatever the command's user: sudo's own process in the group is root's
    const asRoot = become ? ({ user: 'root', ...(become.password !== undefined ? { password: become.password } : {}) } as Become) : false;
    const envelope = commandEnvelope(`kill -${signal} -${pid} 2>/dev/null || kill -${signal} ${pid} 2>/dev/null; true`, { become: asRoot });
    void this.openSession(envelope.command, (ch) => this.commandProcess(ch, false), { bypassQueue: true })
      .then((proc) => runCommand(proc, { timeoutMs: 10_000 }, envelope))
      .catch(() => {
        // best effort: the command's channel is closed after the grace period regardless
      });
  }

  private commandProcess(channel: ClientChannel, become: Become | false | undefined): CommandProcess {
    return commandChannel(channel, {
      gone: () => this.gone,
      killGroup: (pid, signal) => this.killGroup(pid, signal, become),
    });
  }

  private track(channel: ClientChannel): void {
    this.channels.add(channel);
    channel.once('close', () => this.channels.delete(channel));
  }

  /**
   * Open an exec channel, waiting for a free session slot unless `bypassQueue`. `adapt` runs in
   * ssh2's callback: a quick command's output, exit status and close can arrive in the same packet
   * batch as the channel confirmation, and listeners attached a tick later would miss them.
   */
  private async openSession<T>(
    command: string,
    adapt: (ch: ClientChannel) => T,
    opts: { bypassQueue?: boolean; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const queued = !opts.bypassQueue;
    for (;;) {
      if (this.gone) throw this.gone;
      if (queued) await this.slots.acquire(opts.signal);
      const release = (): void => {
        if (queued) this.slots.release();
      };
      if (this.gone) {
        release();
        throw this.gone;
      }
      try {
        return await new Promise<T>((resolve, reject) => {
          try {
            this.client.exec(command, (err, ch) => {
              if (err) return reject(err);
              this.track(ch);
              ch.once('close', release);
              resolve(adapt(ch));
            });
          } catch (err) {
            reject(err);
          }
        });
      } catch (err) {
        if (this.gone) {
          release();
          throw this.gone;
        }
        // the server allows fewer sessions than we assumed (MaxSessions): wait for one to end
        if (queued && /open failed|prohibited/i.test((err as Error).message) && this.slots.inUse > 1) {
          this.slots.shrink(KILL_RESERVE);
          release();
          continue;
        }
        release();
        throw new ConnectError(this.host, `cannot start a command: ${(err as Error).message}`);
      }
    }
  }
}
