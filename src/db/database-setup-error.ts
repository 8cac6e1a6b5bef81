/**
 * The database is not set up for this server to start safely (migrations pending, a cluster
 * setting missing): its message says what to do, and is shown as it is, without a stack trace.
 */
export class DatabaseSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseSetupError";
  }
}
