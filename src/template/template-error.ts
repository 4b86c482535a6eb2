import { ConfigError, type SourceLocation } from '../errors.js';

/**
 * A template that cannot be rendered: a syntax error, an undefined name, a filter given the
 * wrong kind of value. It is a ConfigError so that `validate` and the run report it the same
 * way, with the location of the YAML value that holds the template.
 */
export class TemplateError extends ConfigError {
  constructor(
    message: string,
    loc: SourceLocation | undefined,
    hint?: string,
    /** the variable that was not defined, when that is the problem */
    readonly undefinedName?: string,
  ) {
    super({ message, loc, hint });
  }
}

/**
 * Raised inside a render where only the template's own line/column are known; render.ts turns
 * it into a TemplateError with the caller's location.
 */
export class TemplateFault extends Error {
  constructor(
    message: string,
    /** 1-based, inside the template */
    readonly templateLine: number | undefined,
    readonly templateCol: number | undefined,
    readonly hint?: string,
    readonly undefinedName?: string,
  ) {
    super(message);
    this.name = 'TemplateFault';
  }
}
