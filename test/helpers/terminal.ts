/**
 * A real terminal for end-to-end tests: the built CLI runs in a tmux pane of a fixed size (a
 * pseudo-terminal with a real terminal emulator behind it), keys are typed into it, and the test
 * reads what the screen shows, the scrollback, whether the cursor is visible and the exit
 * status. Each screen has its own tmux server (its own socket), so tests never see each other's.
 * tmux comes from Debian (test/cluster/install-deps.sh installs it when missing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliCommand, repoRoot } from './runbook-cli.js';

const installDeps = fileURLToPath(new URL('../cluster/install-deps.sh', import.meta.url));

export function ensureTmux(): void {
  if (spawnSync('tmux', ['-V']).status === 0) return;
  execFileSync('bash', [installDeps, 'tmux'], { stdio: 'inherit' });
}

let screens = 0;

export interface ScreenOptions {
  cols?: number;
  rows?: number;
  env?: Record<string, string>;
}

export class Screen {
  readonly socket: string;
  readonly cols: number;
  readonly rows: number;
  private readonly dir: string;

  constructor(label: string, o: ScreenOptions = {}) {
    ensureTmux();
    this.cols = o.cols ?? 80;
    this.rows = o.rows ?? 24;
    this.socket = `${process.env.RUNBOOK_SANDBOX_PREFIX ?? ''}rb-${label}-${process.pid}-${++screens}`;
    this.dir = mkdtempSync(join(tmpdir(), 'runbook-screen-'));
    // no status line (the pane is the whole screen); the pane stays after the command exits
    writeFileSync(join(this.dir, 'tmux.conf'), 'set -g status off\nset -g remain-on-exit on\nset -g history-limit 100000\n');
  }

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', join(this.dir, 'tmux.conf'), ...args], { encoding: 'utf8' });
  }

  /** `node dist/cli.js ARGS` in the pane, from the repository root */
  startCli(args: string[], env: Record<string, string> = {}): void {
    const envArgs = Object.entries({ TERM: 'xterm-256color', ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // the pane outlives the CLI (tmux reports a dead pane's cursor as hidden, whatever it was):
    // a shell prints the exit status and waits
    const wrapper = '"$@"; s=$?; printf "\\n[exit %d]" "$s"; exec sleep 3600';
    this.tmux(['new-session', '-d', '-x', String(this.cols), '-y', String(this.rows), '-c', repoRoot, ...envArgs, '-s', 'main', '--', 'bash', '-c', wrapper, 'runbook', process.execPath, ...cliCommand(), ...args]);
  }

  /** keys as tmux names them: 'y', 'Enter', 'C-c' */
  send(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'main', ...keys]);
  }

  /** the visible screen, one string per row (trailing blanks trimmed) */
  screen(): string[] {
    return this.tmux(['capture-pane', '-p', '-t', 'main']).replace(/\n$/, '').split('\n');
  }

  /** the visible screen with its escape codes (colours) */
  screenWithEscapes(): string {
    return this.tmux(['capture-pane', '-p', '-e', '-t', 'main']);
  }

  /** everything the run printed: scrollback and screen, wrapped lines joined */
  history(escapes = false): string {
    return this.tmux(['capture-pane', '-p', '-J', ...(escapes ? ['-e'] : []), '-S', '-', '-t', 'main']);
  }

  private format(f: string): string {
    return this.tmux(['display-message', '-p', '-t', 'main', f]).trim();
  }

  cursorVisible(): boolean {
    return this.format('#{cursor_flag}') === '1';
  }

  /** the exit status once the command has ended, else undefined */
  exitStatus(): number | undefined {
    const m = /\[exit (\d+)\]\s*$/.exec(this.history());
    return m ? Number(m[1]) : undefined;
  }

  /** what the command printed, without the exit status line */
  output(): string {
    return this.history().replace(/\n?\[exit \d+\]\s*$/, '\n');
  }

  async waitFor(test: RegExp | (() => boolean), timeoutMs: number, what = String(test)): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const ok = typeof test === 'function' ? test() : test.test(this.history());
      if (ok) return;
      if (Date.now() > until) throw new Error(`waited ${timeoutMs} ms for ${what}; the terminal shows:\n${this.history().slice(-6000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async waitForExit(timeoutMs: number): Promise<number> {
    let status: number | undefined;
    await this.waitFor(() => (status = this.exitStatus()) !== undefined, timeoutMs, 'the command to exit');
    return status!;
  }

  /** ends this screen's own tmux server and whatever still runs in it */
  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
