import type { Duplex, Readable } from 'node:stream';

/** How to gain privileges for one command: `sudo -n` by default, a password when one was given. */
export interface Become {
  user?: string; // default root
  /** sudo password; when absent `sudo -n` is used and a password prompt is a failure */
  password?: string;
}

export interface ExecOptions {
  /** bytes fed to the command's stdin, then EOF */
  stdin?: string | Buffer | Readable;
  /** extra environment, exported in the command line (sshd usually refuses `env` requests) */
  env?: Record<string, string>;
  become?: Become | false;
  /** kill the command (and fail) after this long */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * The command text holds a secret: send it to the host on stdin, where no process list shows
   * it (`sh -c '<text>'` keeps it in the shell's argv for as long as the command runs). The
   * caller's `stdin`, if any, follows it. See stdinScriptRunner in command-envelope.ts.
   */
  hideCommand?: boolean;
  /** with hideCommand: the program that runs the text, `/bin/sh` by default (shell's `executable`) */
  interpreter?: string;
  /**
   * The output is secret material (a private key read for a TLS client): it is returned to the
   * caller and never reported, logged or recorded.
   */
  secretOutput?: boolean;
  /** live output, for reporters; the full text is still returned */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface ExecResult {
  /**
   * the command's exit code; 255 with `signal` set when it was killed;
   * 124 (as coreutils `timeout`) with `timedOut` when timeoutMs stopped it
   */
  exitCode: number;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** set when the command was stopped by timeoutMs */
  timedOut?: boolean;
}

export interface PutOptions {
  mode?: number;
  become?: Become | false;
}

/**
 * A connection to one host. Modelled on Ansible's connection plugins: the interface is tiny,
 * everything else (modules, facts, etcd) is built from exec/put/get.
 *
 *   const r = await t.exec(`cat ${quote(path)}`);
 *   if (r.exitCode !== 0) ...
 *
 * exec never throws for a non-zero exit; it throws ConnectError when the connection is gone.
 */
export interface Transport {
  /** inventory name of the host */
  readonly host: string;
  /** `shell` is a complete command line for /bin/sh; quote every value in it (see shell/quote) */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** write bytes to a remote path (written in place; modules make it atomic with a temp name + mv) */
  put(source: Buffer | string | Readable, dest: string, opts?: PutOptions): Promise<void>;
  /** read a remote file as a stream */
  get(path: string, opts?: { become?: Become | false }): Promise<Readable>;
  /** a TCP stream to host:port as seen from the remote host (ssh direct-tcpip) */
  forward(host: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
  /** the connection broke (the host rebooted, sshd restarted, the network dropped), not closed by us */
  readonly lost?: boolean;
}

/** Connection settings for one host, resolved from inventory vars and ~/.ssh/config. */
export interface ConnectionSpec {
  /** inventory name */
  name: string;
  connection: 'ssh' | 'local';
  address: string;
  port: number;
  user: string;
  privateKeyFiles: string[];
  password?: string;
  passphrase?: string;
  /** known_hosts files to verify against; first one is where --accept-new-host-keys writes */
  knownHostsFiles: string[];
  /**
   * system-wide known_hosts files (ssh_config GlobalKnownHostsFile), read after the user's and
   * never written; resolveConnectionSpec sets OpenSSH's default, /etc/ssh/ssh_known_hosts{,2}
   */
  globalKnownHostsFiles?: string[];
  /** ssh_config HostKeyAlias: the name the host key is looked up (and recorded) under, instead of the address */
  hostKeyAlias?: string;
  acceptNewHostKeys: boolean;
  /** ssh-agent socket (resolveConnectionSpec sets $SSH_AUTH_SOCK); unset: no agent */
  agent?: string;
  /** jump host, `user@host:port`, resolved to a spec of its own */
  proxyJump?: ConnectionSpec;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** keepalives that may go unanswered before the connection counts as lost; default 3 */
  keepaliveCountMax?: number;
  /** sessions the server allows on one connection (sshd MaxSessions, default 10); one is kept for stopping timed-out commands */
  maxSessions?: number;
  /** disable Nagle on the TCP socket; default true (off costs ~40 ms per command) */
  tcpNoDelay?: boolean;
  /** default privilege escalation for this host; a command's own `become` overrides it */
  become?: Become;
  /** the login user's sudo password, for any command that asks for become without one */
  becomePassword?: string;
}

/**
 * Questions a connection may have to ask the operator while it authenticates. The CLI wires
 * them to a TTY prompt; without them encrypted keys are skipped and no password is tried.
 */
export interface ConnectHooks {
  /** passphrase of an encrypted private key file; undefined skips that key */
  passphrase?(file: string): Promise<string | undefined> | string | undefined;
  /** login password for `user@address`, asked only when the server offers password auth */
  password?(target: string): Promise<string | undefined> | string | undefined;
  /** an unknown host key was accepted (acceptNewHostKeys) and written to `file` */
  hostKeyAdded?(host: string, file: string, fingerprint: string): void;
  /** protocol-level diagnostics, for `-vvv` */
  debug?(line: string): void;
}
