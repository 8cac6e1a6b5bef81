import type { RateLimitConfig } from "../config/config";
import { sha256Hex } from "../core/hash";
import type { RequestOrigin } from "../core/request-origin";
import { retryOnConflict } from "../db/retry";
import { ServiceUnavailableError, TooManyRequestsError } from "../errors/app-errors";
import type { Logger } from "../logging/logger";
import { addressBucketKey } from "./client-address";
import type { Attempt, LimitedOperation } from "./limited-attempts";
import type { RateLimitAudit, RateLimitScope } from "./rate-limit-audit";
import type { RateLimiter } from "./rate-limiter";

interface Charge {
  readonly bucket: string;
  readonly limit: number;
  readonly scope: RateLimitScope;
  readonly operation: LimitedOperation;
  hits: number;
}

/**
 * The limits on attempts to prove a password or a refresh token. login and register share their
 * counters (per account: the email; per client address), and changePassword counts in them too
 * (per account: the signed-in user, whose current password a stolen access token could otherwise
 * guess at); refresh has its own (per session: the id a refresh token starts with; per client
 * address). Every attempt counts, refused ones included.
 */
export class AttemptLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: RateLimitConfig,
    private readonly audit: RateLimitAudit,
    private readonly logger: Logger,
  ) {}

  /**
   * Counts the attempts, all at once, and throws TooManyRequestsError when one of their
   * counters is over its limit, or ServiceUnavailableError when the counters cannot be reached:
   * an attempt that cannot be counted is not let through. A count that lost a conflict with
   * another instance's (a deadlock, a Galera certification failure: its transaction was undone,
   * nothing was counted) is counted again, whichever store holds the counters.
   */
  async admit(attempts: readonly Attempt[], origin: RequestOrigin): Promise<void> {
    for (const charge of this.chargesFor(attempts, origin.clientAddress ?? "unknown")) {
      let count;
      try {
        count = await retryOnConflict(() =>
          this.limiter.consume(charge.bucket, charge.hits, charge.limit),
        );
      } catch (error) {
        this.logger.error({ err: error }, "rate limit counters unavailable; refusing the attempt");
        throw new ServiceUnavailableError();
      }
      if (!count.allowed) {
        this.audit(origin, { operation: charge.operation, scope: charge.scope });
        throw new TooManyRequestsError(count.msBeforeNext / 1000);
      }
    }
  }

  /**
   * Address counters first: once an address is over its limit, its further attempts create no
   * per-account or per-session rows (an attacker cycling through made-up emails or session ids
   * cannot grow the table past the address limit).
   */
  private chargesFor(attempts: readonly Attempt[], clientAddress: string): Charge[] {
    const address = addressBucketKey(clientAddress);
    const byBucket = new Map<string, Charge>();
    const charge = (
      bucket: string,
      limit: number,
      scope: RateLimitScope,
      operation: LimitedOperation,
    ) => {
      if (limit <= 0) return;
      const known = byBucket.get(bucket);
      if (known) known.hits += 1;
      else byBucket.set(bucket, { bucket, limit, scope, operation, hits: 1 });
    };
    for (const attempt of attempts) {
      if (attempt.operation === "refresh") {
        charge(`refresh:address:${address}`, this.limits.refreshPerAddress, "address", "refresh");
        if (attempt.sessionId) {
          const bucket = `refresh:session:${attempt.sessionId}`;
          charge(bucket, this.limits.refreshPerSession, "session", "refresh");
        }
      } else {
        const { operation } = attempt;
        charge(`login:address:${address}`, this.limits.loginPerAddress, "address", operation);
        if (attempt.account) {
          // Hashed: the table never holds the emails attackers make up.
          const bucket = `login:account:${sha256Hex(attempt.account)}`;
          charge(bucket, this.limits.loginPerAccount, "account", operation);
        }
        if (attempt.userId) {
          charge(`login:user:${attempt.userId}`, this.limits.loginPerAccount, "account", operation);
        }
      }
    }
    return [...byBucket.values()].sort(
      (a, b) =>
        Number(b.scope === "address") - Number(a.scope === "address") ||
        a.bucket.localeCompare(b.bucket),
    );
  }
}
