/** A bucket's count in the current window, after the hits just added. */
export interface WindowCount {
  readonly hits: number;
  /** When the window ends and the count starts again from zero (epoch milliseconds). */
  readonly resetsAt: number;
}

/**
 * Counters of attempts in fixed windows, shared by every instance that uses the same store.
 * A window is a multiple of its length since the epoch, so instances agree on it without talking.
 * Counting is atomic: of many instances adding hits at once, each sees a distinct total.
 */
export interface RateLimiter {
  /**
   * Adds `hits` to the bucket's counter for the current window and returns the new total. Rejects
   * when the store cannot be read or written; callers then refuse the attempt (fail closed).
   */
  consume(bucket: string, hits: number): Promise<WindowCount>;
  /** Deletes the counters of windows that have ended; returns how many. */
  purgeExpired(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface FixedWindow {
  readonly start: number;
  readonly end: number;
}

export function fixedWindow(nowMs: number, windowMs: number): FixedWindow {
  const start = Math.floor(nowMs / windowMs) * windowMs;
  return { start, end: start + windowMs };
}
