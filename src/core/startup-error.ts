/**
 * A start-up failure whose message is the whole story for the person starting the server (what
 * is wrong and what to do): printed as one line, without a stack trace, and the process exits 1.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}
