import { InterruptedError, NotConfirmedError } from '../errors.js';

export type StepAnswer = 'yes' | 'no' | 'continue';

/**
 * Questions to the operator, behind an adapter so tests and non-TTY runs answer without
 * a terminal (listr2's habit). The TTY implementation uses inquirer.
 */
export interface Prompter {
  readonly interactive: boolean;
  confirm(message: string): Promise<boolean>;
  /** --step: run this task? yes / no (skip it) / continue (stop asking) */
  step(message: string): Promise<StepAnswer>;
  input(message: string): Promise<string>;
  password(message: string): Promise<string>;
}

/** For runs without a terminal: every question is a refusal that says how to proceed. */
export class NoTtyPrompter implements Prompter {
  readonly interactive = false;
  async confirm(message: string): Promise<boolean> {
    throw new NotConfirmedError(
      `not confirmed: "${firstLine(message)}" needs an answer and there is no terminal; nothing was changed`,
      'run it from a terminal, or pass --yes to confirm in advance',
    );
  }
  async step(message: string): Promise<StepAnswer> {
    return this.confirm(message).then(() => 'yes');
  }
  async input(message: string): Promise<string> {
    throw new NotConfirmedError(`"${firstLine(message)}" needs input and there is no terminal`, 'run it from a terminal');
  }
  async password(message: string): Promise<string> {
    return this.input(message);
  }
}

/** Answers from a script: for tests and for `--yes`. */
export class ScriptedPrompter implements Prompter {
  readonly asked: string[] = [];
  constructor(
    private readonly answers: { confirm?: boolean; step?: StepAnswer; input?: string } = {},
    readonly interactive = true,
  ) {}
  async confirm(message: string): Promise<boolean> {
    this.asked.push(message);
    return this.answers.confirm ?? true;
  }
  async step(message: string): Promise<StepAnswer> {
    this.asked.push(message);
    return this.answers.step ?? 'yes';
  }
  async input(message: string): Promise<string> {
    this.asked.push(message);
    return this.answers.input ?? '';
  }
  async password(message: string): Promise<string> {
    return this.input(message);
  }
}

export class InquirerPrompter implements Prompter {
  readonly interactive = true;
  /** called around a prompt so a live renderer can pause drawing */
  private readonly around: <T>(fn: () => Promise<T>) => Promise<T>;
  constructor(around: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()) {
    // Ctrl-C at a prompt is an interrupt (exit 130), not inquirer's raw "User force closed the prompt"
    this.around = (fn) =>
      around(fn).catch((err: unknown) => {
        if (err instanceof Error && err.name === 'ExitPromptError') throw new InterruptedError('interrupted at the prompt (Ctrl-C); nothing more was done');
        throw err;
      });
  }

  async confirm(message: string): Promise<boolean> {
    const { confirm } = await import('@inquirer/prompts');
    // the text is printed once, above a one-line prompt: redrawing a tall prompt at each key
    // leaves copies in the scrollback; the answer is not drawn as a green check either way
    const lines = message.split('\n');
    const question = lines.pop()!;
    return this.around(async () => {
      if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
      return confirm({ message: question, default: false, theme: { prefix: { idle: '?', done: '›' } } });
    });
  }
  /**
   * As Ansible asks it: `(N)o/(y)es/(c)ontinue`, Enter meaning no, so a key pressed by habit
   * never runs a task; the answer is written out after the question.
   */
  async step(message: string): Promise<StepAnswer> {
    const { input } = await import('@inquirer/prompts');
    const answer = await this.around(() =>
      input({
        message: `${message} (N)o/(y)es/(c)ontinue:`,
        theme: { prefix: { idle: '?', done: '›' } },
        validate: (v) => stepAnswerOf(v) !== undefined || 'answer y (run it), n or Enter (skip it), or c (run it and the rest without asking)',
        transformer: (v, { isFinal }) => (isFinal ? STEP_ANSWER_SAID[stepAnswerOf(v) ?? 'no'] : v),
      }),
    );
    return stepAnswerOf(answer) ?? 'no';
  }
  async input(message: string): Promise<string> {
    const { input } = await import('@inquirer/prompts');
    return this.around(() => input({ message }));
  }
  async password(message: string): Promise<string> {
    const { password } = await import('@inquirer/prompts');
    return this.around(() => password({ message, mask: '*' }));
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 120);
}

const STEP_ANSWER_SAID: Record<StepAnswer, string> = { yes: 'yes', no: 'no: skipped', continue: 'continue: no more questions' };

/** y/yes, n/no/empty (Enter), c/continue; anything else is not an answer */
export function stepAnswerOf(text: string): StepAnswer | undefined {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'n' || t === 'no') return 'no';
  if (t === 'y' || t === 'yes') return 'yes';
  if (t === 'c' || t === 'continue') return 'continue';
  return undefined;
}
