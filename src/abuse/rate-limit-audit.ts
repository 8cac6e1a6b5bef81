import type { Logger } from "../logger";

export type RateLimitScope = "account" | "address" | "session";

/** What is recorded when an attempt is refused: never the email, a token or a password. */
export interface RateLimitedEvent {
  readonly operation: string;
  readonly scope: RateLimitScope;
  readonly clientAddress: string;
  readonly requestId?: string;
}

export type RateLimitAudit = (event: RateLimitedEvent) => void;

/** One audit line per refused request, through the application's logger. */
export function logRateLimited(logger: Logger): RateLimitAudit {
  return (event) => {
    logger.info({ audit: true, event: "rate_limited", ...event }, "audit");
  };
}
