/**
 * An error meant for the person at the terminal: the CLI prints its message (no stack trace)
 * and exits with its code. Anything else that escapes is a bug and is reported as such.
 */
export class HarnessError extends Error {
  constructor(
    message: string,
    /** 2 = bad input or configuration; 1 = the command ran and its check failed (gate). */
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = "HarnessError";
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
