import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import { type Duplex, PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CommandError, ConnectError } from '../errors.js';
import { mergeBecome } from './become-default.js';
import { commandEnvelope } from './command-envelope.js';
import { getCommand, putCommand } from './put-command.js';
import { type CommandProcess, runCommand } from './run-command.js';
import type { Become, ConnectionSpec, ExecOptions, ExecResult, PutOptions, Transport } from './types.js';

/**
 * `connection: local` (and the implicit `localhost`): the same Transport without ssh. Commands run
 * under /bin/sh in a process group of their own, so a timeout stops the whole tree, as sshd's
 * signal does remotely. Become goes through sudo exactly as on a remote host, except that root
 * becoming root needs no sudo (containers often have none).
 *
 *   const t = connectLocal(spec);
 *   await t.exec('hostname');
 */
export function connectLocal(spec: ConnectionSpec): Transport {
  return new LocalTransport(spec);
}

class LocalTransport implements Transport {
  readonly host: string;
  private closed = false;

  constructor(private readonly spec: ConnectionSpec) {
    this.host = spec.name;
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.ensureOpen();
    if (opts.signal?.aborted) throw opts.signal.reason;
    const envelope = commandEnvelope(command, { env: opts.env, become: this.become(opts.become), hideCommand: opts.hideCommand, interpreter: opts.interpreter });
    return runCommand(spawnShell(envelope.command), opts, envelope);
  }

  async put(source: Buffer | string | Readable, dest: string, opts: PutOptions = {}): Promise<void> {
    this.ensureOpen();
    const become = this.become(opts.become);
    if (become) {
      const command = putCommand(dest, opts.mode);
      const r = await this.exec(command, { stdin: source, become });
      if (r.exitCode !== 0) throw new CommandError(this.host, command, r.exitCode, r.stderr, `${this.host}: cannot write ${dest}: ${r.stderr.trim()}`);
      return;
    }
    try {
      // as putCommand: a new file only ('wx' is O_CREAT|O_EXCL, which never follows a symlink),
      // with its final mode before the first byte lands in it
      const fh = await open(dest, 'wx', opts.mode === undefined ? 0o666 : 0o600);
      if (opts.mode !== undefined) await fh.chmod(opts.mode).catch(async (err: unknown) => {
        await fh.close();
        throw err;
      });
      // the stream closes the handle when it ends or fails
      await pipeline(typeof source === 'string' || Buffer.isBuffer(source) ? [source] : source, fh.createWriteStream());
    } catch (err) {
      throw new CommandError(this.host, `write ${dest}`, 1, (err as Error).message, `${this.host}: cannot write ${dest}: ${(err as Error).message}`);
    }
  }

  async get(path: string, opts: { become?: Become | false } = {}): Promise<Readable> {
    this.ensureOpen();
    const become = this.become(opts.become);
    if (!become) {
      const stream = createReadStream(path);
      // report a missing file as the remote `cat` would, through the stream
      const out = new PassThrough();
      stream.on('error', (err) => out.destroy(new CommandError(this.host, `cat ${path}`, 1, err.message, `${this.host}: cannot read ${path}: ${err.message}`)));
      return stream.pipe(out);
    }
    const envelope = commandEnvelope(getCommand(path), { become });
    const command = envelope.command;
    const out = new PassThrough();
    runCommand(spawnShell(command), {}, envelope, { stdoutSink: out }).then(
      (r) => (r.exitCode === 0 ? out.end() : out.destroy(new CommandError(this.host, command, r.exitCode, r.stderr, `${this.host}: cannot read ${path}: ${r.stderr.trim()}`))),
      (err: Error) => out.destroy(err),
    );
    return out;
  }

  async forward(host: string, port: number): Promise<Duplex> {
    this.ensureOpen();
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port });
      sock.setNoDelay(true);
      sock.once('connect', () => {
        sock.off('error', reject);
        resolve(sock);
      });
      sock.once('error', (err) => reject(new ConnectError(this.host, `cannot connect to ${host}:${port}: ${err.message}`)));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private become(own: Become | false | undefined): Become | false | undefined {
    const become = mergeBecome(own, this.spec.become, this.spec.becomePassword);
    // root becoming root: sudo would only add a dependency
    if (become && (become.user ?? 'root') === 'root' && process.getuid?.() === 0) return false;
    return become;
  }

  private ensureOpen(): void {
    if (this.closed) throw new ConnectError(this.host, 'connection already closed');
  }
}

function spawnShell(command: string): CommandProcess {
  // detached: the command leads its own process group, which timeout and abort signal as a whole
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const done = new Promise<{ exitCode: number | null; signal?: string }>((resolve) => {
    // /bin/sh missing or not executable: the shell's own "not found" code
    child.once('error', () => resolve({ exitCode: 127 }));
    child.once('close', (code, signal) =>
      resolve(code !== null ? { exitCode: code } : { exitCode: null, signal: signal?.replace(/^SIG/, '') }),
    );
  });
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    done,
    terminate: () => killGroup('SIGTERM'),
    destroy: () => killGroup('SIGKILL'),
  };
}
