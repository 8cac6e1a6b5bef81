import { BoundedConcurrency, QueueFullError } from "../core/bounded-concurrency";
import { ServiceUnavailableError } from "../errors/app-errors";
import type { PasswordHasher } from "./password-hasher";

export interface PasswordHashingLimits {
  /** argon2 operations at once: each holds one libuv thread, and one core, for its duration. */
  readonly concurrency: number;
  /** Operations that may wait for a slot; one more is refused at once. */
  readonly queue: number;
}

/**
 * Every hash and verification of the server, known emails or not, waits in one bounded queue:
 * a login storm then takes at most `concurrency` cores and never the event loop's, and once the
 * waiting list is full further sign-ins are refused fast with SERVICE_UNAVAILABLE (503,
 * Retry-After) instead of waiting ever longer. Not TOO_MANY_REQUESTS: that one tells a client it
 * made too many attempts, and the caller refused here may have made only one. The dummy
 * verification of an unknown email queues like any other, so its timing stays the same.
 */
export class QueuedPasswordHasher implements PasswordHasher {
  private readonly slots: BoundedConcurrency;

  constructor(
    private readonly inner: PasswordHasher & { warmUp?(): Promise<void> },
    limits: PasswordHashingLimits,
  ) {
    this.slots = new BoundedConcurrency(limits.concurrency, limits.queue);
  }

  /** Operations running and waiting now. */
  get load(): { readonly running: number; readonly queued: number } {
    return { running: this.slots.running, queued: this.slots.queued };
  }

  hash(password: string): Promise<string> {
    return this.queued(() => this.inner.hash(password));
  }

  verify(storedHash: string | null, password: string): Promise<boolean> {
    return this.queued(() => this.inner.verify(storedHash, password));
  }

  /** The inner hasher's warm-up (the dummy hash), in the queue like the rest. */
  async warmUp(): Promise<void> {
    const { inner } = this;
    if (inner.warmUp) await this.queued(() => inner.warmUp!());
  }

  private async queued<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await this.slots.run(operation);
    } catch (error) {
      if (error instanceof QueueFullError) throw new ServiceUnavailableError();
      throw error;
    }
  }
}
