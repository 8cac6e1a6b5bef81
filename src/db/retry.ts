import { isTransactionConflict } from "./db-errors";

/** How often, and how patiently, an operation that lost a conflict is run again. */
export interface RetryPolicy {
  /** Runs in all, the first one included. */
  readonly attempts: number;
  /** The cap on the first wait; each later cap doubles, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Sized for Galera on a loaded 2-core machine: two nodes' write sets that touch one hot row (a
 * rate-limit counter, the revocation sequence) fail each other's certification. In a storm of
 * 240 logins on one client address over two nodes, 4 runs left 10% of them failing, 7 runs 3%,
 * 10 runs none; 12 runs with waits up to a second leave a margin. At most about 5.3 s of waiting
 * in all (the sum of the caps), half that on average, and only for a request caught in such a
 * storm, before the conflict is reported as SERVICE_UNAVAILABLE.
 */
export const CONFLICT_RETRY_POLICY: RetryPolicy = {
  attempts: 12,
  baseDelayMs: 10,
  maxDelayMs: 1_000,
};

export interface RetryOptions {
  readonly policy?: RetryPolicy;
  /** Which errors are worth another run; by default the database's conflict errors. */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Injected in tests: waits `ms` milliseconds. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected in tests: a number in [0, 1). */
  readonly random?: () => number;
  /** Told of each failed run that will be followed by another, with the wait before it. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/** The wait before run `attempt + 1`: "full jitter" (a uniform draw up to an exponential cap). */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

/**
 * Runs `operation`, and runs it again while it fails with a conflict the database has already
 * undone (a deadlock, a Galera certification failure), waiting a jittered, growing delay in
 * between so that the contenders spread out instead of colliding again. Only for operations that
 * are safe to repeat: one transaction, or one autocommit statement, whose failed run left nothing
 * behind, and no side effect (an audit line, a notice to peers) before it succeeds. After
 * `attempts` runs the last error is thrown as it is (the GraphQL layer answers a conflict with
 * SERVICE_UNAVAILABLE and Retry-After); any other error is thrown at once.
 *
 * The connection goes back to the pool between runs: `operation` takes its own.
 */
export async function retryOnConflict<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? CONFLICT_RETRY_POLICY;
  const isRetryable = options.isRetryable ?? isTransactionConflict;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      const delayMs = backoffDelayMs(attempt, policy, random);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
