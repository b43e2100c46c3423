/** Exit codes shared by every verb: 0 valid, 1 invalid (a check failed), 2 error or unknown. */
export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_ERROR = 2;

/** A user-facing error: printed as one line, never with a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_ERROR,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
