/**
 * Every failure runbook reports is one of these: a typed value with a human message
 * that says what to do next, and the process exit code it maps to.
 *
 *   2  configuration (playbook / inventory / variables) is invalid, nothing ran
 *   3  preflight failed, nothing changed
 *   4  a host could not be reached or authenticated, nothing changed
 *   5  the run was not confirmed, nothing changed
 *   75 another run holds the cluster's lock, nothing changed
 *   1  a step failed, and every completed step was rolled back
 *   6  a step failed, and rollback was INCOMPLETE: some host needs a hand (also after Ctrl-C)
 *   130 interrupted (Ctrl-C), rollback ran to the end
 * The table beside ansible-playbook's is in README.md ("Exit codes").
 */
export const ROLLBACK_INCOMPLETE_EXIT_CODE = 6;

export interface SourceLocation {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export abstract class RunbookError extends Error {
  abstract readonly exitCode: number;
  /** what the operator should do about it */
  readonly hint?: string;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : '';
}

/** One problem in a playbook, inventory or vars file. */
export interface ConfigProblem {
  message: string;
  loc?: SourceLocation;
  /** dotted path of the offending key, e.g. `plays[0].tasks[3].serail` */
  key?: string;
  hint?: string;
}

export class ConfigError extends RunbookError {
  readonly exitCode = 2;
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[] | ConfigProblem) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.problems = list;
  }
  get loc(): SourceLocation | undefined {
    return this.problems[0]?.loc;
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.loc ? `${formatLocation(p.loc)}: ` : '';
  return `${where}${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

export class ConnectError extends RunbookError {
  readonly exitCode = 4;
  constructor(
    readonly host: string,
    message: string,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super(`${host}: ${message}`, hint, options);
  }
}

export class AuthError extends ConnectError {}

export class HostKeyError extends ConnectError {
  constructor(
    host: string,
    message: string,
    readonly expected: string | undefined,
    readonly actual: string,
    hint?: string,
  ) {
    super(host, message, hint);
  }
}

export class CommandError extends RunbookError {
  readonly exitCode = 1;
  constructor(
    readonly host: string,
    readonly command: string,
    readonly commandExitCode: number,
    readonly stderr: string,
    message?: string,
  ) {
    super(message ?? `${host}: command exited ${commandExitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** A module or task failed for a reason other than a command's exit code. */
export class TaskError extends RunbookError {
  readonly exitCode = 1;
}

export interface PreflightFailure {
  host: string;
  check: string;
  message: string;
}

export class PreflightError extends RunbookError {
  readonly exitCode = 3;
  constructor(readonly failures: PreflightFailure[]) {
    super(
      `preflight failed, nothing was changed:\n` +
        failures.map((f) => `  ${f.host}: ${f.check}: ${f.message}`).join('\n'),
    );
  }
}

export class NotConfirmedError extends RunbookError {
  readonly exitCode = 5;
}

/** A step failed and one or more rollback steps failed too: hosts are left half-changed. */
export class RollbackError extends RunbookError {
  readonly exitCode = ROLLBACK_INCOMPLETE_EXIT_CODE;
}

export class InterruptedError extends RunbookError {
  readonly exitCode = 130;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof RunbookError ? err.exitCode : 1;
}
