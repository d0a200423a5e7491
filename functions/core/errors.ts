/**
 * Input the user can fix: a bad file, a bad argument. The CLI prints the message (and the hint) on
 * one line and exits with the bad-input code; handlers quarantine the input. Never shown with a stack trace.
 */
export class BadInputError extends Error {
  override name = "BadInputError";
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.hint = hint;
  }
}
