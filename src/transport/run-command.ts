import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { type CommandEnvelope, EnvelopeReader, type EnvelopeStep } from './command-envelope.js';
import type { ExecOptions, ExecResult } from './types.js';

/**
 * One started command, whatever carries it: an ssh exec channel or a local child process.
 * `runCommand` does the rest the same way for both: stdin, output, sudo password, timeout, abort.
 */
export interface CommandProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** settles once the process is gone and its output is drained; rejects if the carrier broke */
  done: Promise<{ exitCode: number | null; signal?: string }>;
  /** ask the process to stop (SIGTERM to its process group); `pid` is the remote shell's, once known */
  terminate(pid: number | undefined): void;
  /** stop waiting for it: SIGKILL, close the channel */
  destroy(pid: number | undefined): void;
}

/** exitCode of a command stopped by timeoutMs, as coreutils `timeout` reports it */
export const TIMEOUT_EXIT_CODE = 124;
/** how long a terminated command may take to exit before its channel is closed under it */
export const KILL_GRACE_MS = 2_000;

export interface RunOptions {
  /** stream stdout here (with backpressure) instead of collecting it, for `get` */
  stdoutSink?: Writable;
}

export async function runCommand(
  proc: CommandProcess,
  opts: ExecOptions,
  envelope: CommandEnvelope,
  run: RunOptions = {},
): Promise<ExecResult> {
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  let failure: unknown;
  let timer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  let remotePid: number | undefined;
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    proc.terminate(remotePid);
    graceTimer ??= setTimeout(() => proc.destroy(remotePid), KILL_GRACE_MS);
  };
  // stdin errors (EPIPE when the command exits without reading it all) are not the command's result
  proc.stdin.on('error', () => {});

  const outDecoder = new StringDecoder('utf8');
  // output is complete only when stdout has ended, which may be after the process reported its exit
  const stdoutEnded = new Promise<void>((resolve) => {
    proc.stdout.once('end', resolve);
    proc.stdout.once('close', resolve);
  });
  let finished = false;
  if (run.stdoutSink) {
    const sink = run.stdoutSink;
    proc.stdout.pipe(sink, { end: false });
    // the reader gave up early (destroyed the stream): stop the command rather than stall it forever
    sink.once('close', () => {
      if (finished) return;
      proc.stdout.unpipe(sink);
      proc.stdout.resume();
      stop();
    });
  } else {
    proc.stdout.on('data', (chunk: Buffer) => {
      const text = outDecoder.write(chunk);
      if (text === '') return;
      stdout += text;
      opts.onStdout?.(text);
    });
  }

  const errDecoder = new StringDecoder('utf8');
  const reader = new EnvelopeReader(envelope);
  const emitStderr = (text: string): void => {
    if (text === '') return;
    stderr += text;
    opts.onStderr?.(text);
  };
  proc.stderr.on('data', (chunk: Buffer) => {
    const { visible, steps } = reader.push(errDecoder.write(chunk));
    emitStderr(visible);
    steps.forEach(act);
  });

  let unfeed: (() => void) | undefined;
  const feed = (): void => {
    // a hidden command's text goes first; the shell reads exactly its length, the rest is stdin
    if (envelope.stdinPrefix) proc.stdin.write(envelope.stdinPrefix);
    unfeed = feedStdin(opts.stdin, proc.stdin, (err) => {
      // a broken source must not look like a short file to the command: stop it and fail
      failure ??= err;
      stop();
    });
  };
  function act(step: EnvelopeStep): void {
    if ('pid' in step) {
      remotePid = step.pid;
      // the timeout came before the pid did: now it can be delivered
      if (stopping) proc.terminate(remotePid);
    } else if (step.send === 'password') proc.stdin.write(envelope.sudo!.password + '\n');
    else if (step.send === 'eof') proc.stdin.end();
    else feed();
  }
  if (!envelope.sudo) feed();

  if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
    timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
  }

  const signal = opts.signal;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => {
      stop();
      reject(signal.reason ?? new Error('aborted'));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});

  try {
    const [end] = await Promise.race([Promise.all([proc.done, stdoutEnded]), aborted]);
    if (failure) throw failure;
    emitStderr(reader.push(errDecoder.end()).visible);
    emitStderr(reader.flush());
    const tail = outDecoder.end();
    if (tail) {
      stdout += tail;
      opts.onStdout?.(tail);
    }
    const result: ExecResult = {
      exitCode: timedOut ? TIMEOUT_EXIT_CODE : (end.exitCode ?? 255),
      stdout,
      stderr,
      durationMs: Math.round(performance.now() - started),
    };
    if (end.signal) result.signal = end.signal;
    if (timedOut) result.timedOut = true;
    return result;
  } finally {
    finished = true;
    clearTimeout(timer);
    // a command that exits without reading all its stdin leaves the caller's stream paused; let go of it
    unfeed?.();
    // a command that has exited needs no forced close; one still running (abort) keeps its grace timer
    if (graceTimer && !(await isSettled(proc.done))) graceTimer.unref();
    else clearTimeout(graceTimer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

async function isSettled(p: Promise<unknown>): Promise<boolean> {
  const pending = Symbol();
  const v = await Promise.race([p.then(() => 1, () => 1), Promise.resolve(pending)]);
  return v !== pending;
}

/** Stream the caller's stdin into the command, honouring backpressure, then EOF. Returns a detach. */
export function feedStdin(
  source: ExecOptions['stdin'],
  sink: Writable,
  onSourceError: (err: Error) => void,
): (() => void) | undefined {
  if (source === undefined) {
    sink.end();
    return undefined;
  }
  if (typeof source === 'string' || Buffer.isBuffer(source)) {
    sink.end(source);
    return undefined;
  }
  const readable: Readable = source;
  let attached = true;
  // stays registered after detaching: an error the caller did not expect must not crash the process
  readable.on('error', (err) => attached && onSourceError(err));
  // pipe (not pipeline): a sink that closes early must not destroy the caller's stream with an error
  readable.pipe(sink);
  return () => {
    attached = false;
    readable.unpipe(sink);
  };
}
