/**
 * Ctrl-C, counted by runbook itself rather than left to the default handler or a listener that
 * may be attached too late.
 *
 * - The first press asks the run to stop: no new command starts, a command that changes
 *   something is let finish (read-only checks and waits stop at once), then everything that
 *   changed is rolled back.
 * - A second press does not stop anything by itself: it says what stopping now would leave on
 *   each host (a member left stopped, a configuration left half-written) and asks for a third
 *   press within a few seconds.
 * - That third press stops for real: running commands are aborted, no further rollback step
 *   starts, and the run still ends the orderly way: each host's state, summary.json, the terminal
 *   restored.
 * - A press after that quits at once, after printing what is known of each host.
 */

export type RunPhase = 'setup' | 'execute' | 'rollback' | 'done';

export interface InterruptIo {
  /** a message for the operator, shown at once (the live view pins it) */
  notice(text: string): void;
  /** what stopping now would leave, one line per host */
  describeStop(phase: RunPhase): string[];
  /** a confirmed stop happened: whatever runs now is cut off */
  aborted?(): void;
  /** the last resort: print what is known, restore the terminal, exit */
  quitNow(): never;
}

export class RunInterrupts {
  /** the first press: stop starting new work, then roll back */
  private readonly stopper = new AbortController();
  /** the confirmed press: abort running commands, stop the rollback */
  private readonly aborter = new AbortController();
  private phase: RunPhase = 'setup';
  private presses = 0;
  private armedUntil = 0;
  private io?: InterruptIo;

  constructor(
    /** how long a stop warning waits for its confirming press */
    readonly confirmWindowMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** aborted by the first Ctrl-C */
  get stopSignal(): AbortSignal {
    return this.stopper.signal;
  }

  /** aborted by a confirmed stop: commands that change something are killed */
  get abortSignal(): AbortSignal {
    return this.aborter.signal;
  }

  get count(): number {
    return this.presses;
  }

  attach(io: InterruptIo): void {
    this.io = io;
  }

  enter(phase: RunPhase): void {
    this.phase = phase;
  }

  /** one Ctrl-C */
  press(): void {
    this.presses++;
    const io = this.io;
    if (this.aborter.signal.aborted) {
      io?.quitNow();
      return;
    }
    if (!this.stopper.signal.aborted) {
      this.stopper.abort(new Error('interrupted (Ctrl-C)'));
      io?.notice(this.firstNotice());
      // before anything can change there is nothing to weigh: one press stops
      if (this.phase === 'setup') this.aborter.abort(new Error('interrupted (Ctrl-C)'));
      return;
    }
    if (this.now() <= this.armedUntil) {
      this.armedUntil = 0;
      io?.aborted?.();
      this.aborter.abort(new Error('stopped by Ctrl-C'));
      io?.notice(
        this.phase === 'rollback'
          ? 'Ctrl-C: stopping the rollback now; running commands are aborted. Each host\'s state follows.'
          : 'Ctrl-C: stopping now, without rollback; running commands are aborted. Each host\'s state follows.',
      );
      return;
    }
    this.armedUntil = this.now() + this.confirmWindowMs;
    const secs = Math.round(this.confirmWindowMs / 1000);
    const what = this.phase === 'rollback' ? 'Stopping the rollback now would leave:' : 'Stopping now, without rolling back, would leave:';
    const lines = io?.describeStop(this.phase) ?? [];
    const goOn = this.phase === 'rollback' ? 'the rollback goes on' : 'the run stops after the running command and rolls back';
    io?.notice([what, ...(lines.length ? lines.map((l) => `  ${l}`) : ['  (nothing changed on any host yet)']), `Press Ctrl-C again within ${secs}s to stop anyway; otherwise ${goOn}.`].join('\n'));
  }

  private firstNotice(): string {
    switch (this.phase) {
      case 'setup':
        return 'Ctrl-C: stopping; nothing has been changed.';
      case 'rollback':
        return 'Ctrl-C: the rollback goes on, so that no host is left half-changed (Ctrl-C again shows what stopping it would leave).';
      default:
        return 'Ctrl-C: stopping after the running command (checks and waits stop at once), then rolling back what changed (Ctrl-C again shows what stopping would leave).';
    }
  }
}
