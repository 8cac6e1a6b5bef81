import { type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import type { Consumption, RateLimiter } from "./rate-limiter";

/** What every store's limiter of rate-limiter-flexible is built from. */
export interface LimiterOptions {
  /** The limit: hits allowed per window. */
  readonly points: number;
  /** The window, in seconds. */
  readonly duration: number;
}

/**
 * Our RateLimiter on rate-limiter-flexible's counters, which do the storing, the atomic increment
 * and the window. The library fixes the limit (`points`) per limiter, so there is one limiter per
 * distinct limit (at most the four configured ones), all sharing one store and its keys.
 */
export abstract class FlexibleRateLimiter implements RateLimiter {
  private readonly limiters = new Map<number, RateLimiterAbstract>();

  constructor(private readonly windowSeconds: number) {}

  abstract purgeExpired(): Promise<number>;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  /** The library's limiter on this store; called once per limit, after `start`. */
  protected abstract createLimiter(options: LimiterOptions): RateLimiterAbstract;

  async consume(bucket: string, hits: number, limit: number): Promise<Consumption> {
    let limiter = this.limiters.get(limit);
    if (!limiter) {
      limiter = this.createLimiter({ points: limit, duration: this.windowSeconds });
      this.limiters.set(limit, limiter);
    }
    try {
      return consumption(true, await limiter.consume(bucket, hits));
    } catch (outcome) {
      // The library rejects with its result when over the limit, and with an Error when the store
      // fails; only the latter is a failure.
      if (outcome instanceof RateLimiterRes) return consumption(false, outcome);
      throw outcome;
    }
  }
}

function consumption(allowed: boolean, result: RateLimiterRes): Consumption {
  return { allowed, hits: result.consumedPoints, msBeforeNext: result.msBeforeNext };
}
