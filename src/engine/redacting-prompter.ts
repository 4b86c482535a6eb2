import type { Prompter, StepAnswer } from './confirm.js';
import type { Secrets } from './redact.js';

/**
 * The run's prompter with every question redacted: a confirmation, a --step question or a
 * task's `confirm:` reaches the terminal directly, not through the event bus and its redactor.
 */
export function redactingPrompter(inner: Prompter, secrets: Secrets): Prompter {
  return {
    get interactive() {
      return inner.interactive;
    },
    confirm: (message: string): Promise<boolean> => inner.confirm(secrets.redactText(message)),
    step: (message: string): Promise<StepAnswer> => inner.step(secrets.redactText(message)),
    input: (message: string): Promise<string> => inner.input(secrets.redactText(message)),
    password: (message: string): Promise<string> => inner.password(secrets.redactText(message)),
  };
}
