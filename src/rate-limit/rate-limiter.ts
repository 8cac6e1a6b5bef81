/** A bucket's count after the hits just added, and whether it is still within its limit. */
export interface Consumption {
  /** False when the count, these hits included, is over the limit. */
  readonly allowed: boolean;
  /** The bucket's count in its current window, these hits included. */
  readonly hits: number;
  /** Milliseconds until the window ends and the count starts again from zero. */
  readonly msBeforeNext: number;
}

/**
 * Counters of attempts in fixed windows, shared by every instance that uses the same store. A
 * bucket's window starts at its first hit and lasts the configured length. Counting is atomic: of
 * many instances adding hits at once, each sees a distinct total.
 *
 * Over the limit is an answer (`allowed: false`), not an error: `consume` rejects only when the
 * store cannot be read or written, so a wrapper around it (a retry on a deadlock, say) sees
 * nothing but store failures. Callers refuse the attempt on a rejection (fail closed).
 */
export interface RateLimiter {
  /** Adds `hits` to the bucket's counter for its current window, `limit` hits being allowed. */
  consume(bucket: string, hits: number, limit: number): Promise<Consumption>;
  /** Deletes the counters of windows that have ended; returns how many. */
  purgeExpired(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
