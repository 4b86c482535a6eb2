import type { ClientChannel } from 'ssh2';
import type { ConnectError } from '../errors.js';
import type { CommandProcess } from './run-command.js';

/** a channel closed under a hung server settles after this, instead of waiting for keepalive */
const CHANNEL_CLOSE_WAIT_MS = 1_000;

export interface ChannelOwner {
  /** set when the connection is lost: a channel closed without an exit status failed because of it */
  gone(): ConnectError | undefined;
  /** signal the command's process group from another channel */
  killGroup(pid: number, signal: 'TERM' | 'KILL'): void;
}

/**
 * An exec channel as runCommand drives it. Must be called in ssh2's exec callback: a quick
 * command's exit status and close may already be in the packets being parsed.
 */
export function commandChannel(channel: ClientChannel, owner: ChannelOwner): CommandProcess {
  let exit: { exitCode: number | null; signal?: string } = { exitCode: null };
  channel.on('exit', (code: number | null, signal?: string) => {
    exit = typeof code === 'number' ? { exitCode: code } : { exitCode: null, signal: signal?.replace(/^SIG/, '') };
  });
  let forceSettle: (() => void) | undefined;
  const done = new Promise<{ exitCode: number | null; signal?: string }>((resolve, reject) => {
    const settle = (): void => {
      const lost = owner.gone();
      if (lost && exit.exitCode === null && !exit.signal) reject(lost);
      else resolve(exit);
    };
    forceSettle = settle;
    channel.once('close', settle);
  });
  return {
    stdin: channel,
    stdout: channel,
    stderr: channel.stderr,
    done,
    terminate: (pid) => {
      sendSignal(channel, 'TERM');
      if (pid !== undefined) owner.killGroup(pid, 'TERM');
    },
    destroy: (pid) => {
      if (pid !== undefined) owner.killGroup(pid, 'KILL');
      channel.close();
      // a hung server may never acknowledge; do not wait for keepalive to notice
      setTimeout(() => {
        if (channel.readable) channel.push(null);
        if (channel.stderr.readable) channel.stderr.push(null);
        forceSettle?.();
      }, CHANNEL_CLOSE_WAIT_MS).unref();
    },
  };
}

/**
 * Ask sshd to signal the command; OpenSSH (>= 7.9) sends it to the command's whole process group.
 * ssh2's channel.signal() does nothing once our side sent EOF (stdin done), which is exactly when a
 * command is usually timed out, so the request goes to the protocol layer directly.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const ch = channel as unknown as {
    outgoing: { id: number; state: string };
    _client: { _protocol: { signal(id: number, name: string): void } };
  };
  if (ch.outgoing.state !== 'open' && ch.outgoing.state !== 'eof') return;
  try {
    ch._client._protocol.signal(ch.outgoing.id, name);
  } catch {
    // the connection is going away; the close path reports that
  }
}
