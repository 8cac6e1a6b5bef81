import type { AuditLog } from "../audit/audit-log";
import type { RequestOrigin } from "../core/request-origin";

export type RateLimitScope = "account" | "address" | "session";

/** What is recorded of a refused attempt besides its origin: never the email, a token or a password. */
export interface RateLimitRefusal {
  readonly operation: string;
  readonly scope: RateLimitScope;
}

export type RateLimitAudit = (origin: RequestOrigin, refusal: RateLimitRefusal) => void;

/** One `rate_limited` line per refused request, in the audit log with the other auth events. */
export function auditRateLimited(audit: AuditLog): RateLimitAudit {
  return (origin, { scope, operation }) => audit.rateLimited(origin, { scope, operation });
}
