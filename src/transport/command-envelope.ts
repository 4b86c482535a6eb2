import { randomBytes } from 'node:crypto';
import { quote, withBecome, withEnv } from './shell-quote.js';
import type { Become } from './types.js';

/**
 * The command line actually sent for one command, and how to read the start of its stderr.
 *
 * Two things are said on stderr before the command's own output, each on a line with a random
 * token so that no real output can be mistaken for them:
 *
 * - the pid of the remote shell, which sshd made the leader of a new process group; a timeout
 *   kills that group through a second channel (sshd refuses signal requests for root logins);
 * - with a sudo password: `sudo -S` reads the password from stdin, and feeding it blindly first
 *   would be wrong whenever sudo does not ask (NOPASSWD, a cached ticket): the password would
 *   become the first line of the command's own stdin, e.g. of a file written by `put`. So sudo gets
 *   a unique prompt and the command announces its start with a unique marker; the password is
 *   sent only when the prompt appears, the caller's stdin only once the marker has. The password
 *   never appears on a command line.
 *
 *   const e = commandEnvelope('id -u', { env: { A: '1' }, become: { password: 'pw' }, reportPid: true });
 *   e.command -> printf '%s\n' "[runbook 1f.. pid $$]" >&2; sudo -S -p '[sudo via runbook 1f..] password: ' ...
 */
export interface CommandEnvelope {
  command: string;
  /** bytes sent on stdin before the caller's: the hidden command text (hideCommand) */
  stdinPrefix?: Buffer;
  token: string;
  /** the pid line is expected first on stderr */
  reportsPid: boolean;
  sudo?: SudoHandshake;
}

export interface SudoHandshake {
  prompt: string;
  marker: string;
  password: string;
}

export function commandEnvelope(
  command: string,
  opts: { env?: Record<string, string>; become?: Become | false; reportPid?: boolean; hideCommand?: boolean; interpreter?: string },
): CommandEnvelope {
  const token = randomBytes(6).toString('hex');
  let inner = withEnv(command, opts.env);
  let stdinPrefix: Buffer | undefined;
  if (opts.hideCommand) {
    stdinPrefix = Buffer.from(inner, 'utf8');
    inner = stdinScriptRunner(stdinPrefix.length, opts.interpreter ?? '/bin/sh');
  }
  const become = opts.become;
  let line: string;
  let sudo: SudoHandshake | undefined;
  if (!become || become.password === undefined) {
    line = withBecome(inner, become);
  } else {
    const user = become.user ?? 'root';
    sudo = { prompt: `[sudo via runbook ${token}] password: `, marker: `[runbook ${token} became ${user}]`, password: become.password };
    const announced = `printf '%s\\n' ${quote(sudo.marker)} >&2\n${inner}`;
    line = `sudo -S -p ${quote(sudo.prompt)} -H -u ${quote(user)} -- /bin/sh -c ${quote(announced)}`;
  }
  const reportsPid = opts.reportPid ?? false;
  if (reportsPid) line = `printf '%s\\n' "${pidLinePrefix(token)}$$]" >&2\n${line}`;
  const envelope: CommandEnvelope = { command: line, token, reportsPid };
  if (sudo) envelope.sudo = sudo;
  if (stdinPrefix) envelope.stdinPrefix = stdinPrefix;
  return envelope;
}

/**
 * A command line that runs a script sent on stdin, so the script's text is in no process's argv:
 * the shell reads exactly `bytes` bytes of stdin into a variable (`head -c` reads no further, so
 * what follows stays the script's own stdin), and hands them to `interpreter` through a pipe on
 * fd 3 with the builtin printf, which starts no process. The interpreter reads the script from
 * /dev/fd/3 with the original stdin as its fd 0; its exit code is the command's.
 *
 *   stdinScriptRunner(12, '/bin/sh')
 *   -> s=$(head -c 12; echo .) && s=${s%.} && { printf '%s' "$s" | { /bin/sh /dev/fd/3 3<&0 0<&4 4<&-; }; } 4<&0
 */
export function stdinScriptRunner(bytes: number, interpreter: string): string {
  // `echo .` keeps a final newline of the script that $( ) would strip
  return `s=$(head -c ${bytes}; echo .) && s=\${s%.} && { printf '%s' "$s" | { ${quote(interpreter)} /dev/fd/3 3<&0 0<&4 4<&-; }; } 4<&0`;
}

function pidLinePrefix(token: string): string {
  return `[runbook ${token} pid `;
}

/** What the stderr reader wants done on stdin. */
export type EnvelopeStep = { send: 'password' } | { send: 'eof' } | { send: 'stdin' } | { pid: number };

/**
 * Reads the envelope's lines off the start of stderr and hides them (and sudo's prompts) from the
 * caller. Until they have all been seen, stderr is held back, so a prompt split across two chunks
 * is still recognised.
 */
export class EnvelopeReader {
  private held = '';
  private prompts = 0;
  private needPid: boolean;
  private needMarker: boolean;

  constructor(private readonly envelope: CommandEnvelope) {
    this.needPid = envelope.reportsPid;
    this.needMarker = envelope.sudo !== undefined;
  }

  get done(): boolean {
    return !this.needPid && !this.needMarker;
  }

  /** Feed decoded stderr; returns the text the caller may see and what to do next. */
  push(text: string): { visible: string; steps: EnvelopeStep[] } {
    if (this.done) return { visible: text, steps: [] };
    this.held += text;
    const steps: EnvelopeStep[] = [];
    if (this.needPid) {
      const prefix = pidLinePrefix(this.envelope.token);
      const start = this.held.indexOf(prefix);
      const end = start >= 0 ? this.held.indexOf(']\n', start) : -1;
      if (end < 0) return { visible: '', steps };
      steps.push({ pid: Number(this.held.slice(start + prefix.length, end)) });
      this.held = this.held.slice(0, start) + this.held.slice(end + 2);
      this.needPid = false;
    }
    const sudo = this.envelope.sudo;
    if (sudo && this.needMarker) {
      let i: number;
      while ((i = this.held.indexOf(sudo.prompt)) >= 0) {
        this.held = this.held.slice(0, i) + this.held.slice(i + sudo.prompt.length);
        // a second prompt means the password was wrong: answer with EOF so sudo gives up now
        steps.push({ send: this.prompts++ === 0 ? 'password' : 'eof' });
      }
      const m = this.held.indexOf(sudo.marker + '\n');
      if (m < 0) return { visible: '', steps };
      this.held = this.held.slice(0, m) + this.held.slice(m + sudo.marker.length + 1);
      this.needMarker = false;
      steps.push({ send: 'stdin' });
    }
    const visible = this.held;
    this.held = '';
    return { visible, steps };
  }

  /** The process ended: whatever was held back is the shell's or sudo's own complaint, show it. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }
}
