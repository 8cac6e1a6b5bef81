import type { AuditLog } from "../audit/audit-log";

export type RateLimitScope = "account" | "address" | "session";

/** What is recorded when an attempt is refused: never the email, a token or a password. */
export interface RateLimitedEvent {
  readonly operation: string;
  readonly scope: RateLimitScope;
  readonly clientAddress: string;
  readonly requestId?: string;
}

export type RateLimitAudit = (event: RateLimitedEvent) => void;

/** One `rate_limited` line per refused request, in the audit log with the other auth events. */
export function auditRateLimited(audit: AuditLog): RateLimitAudit {
  return ({ requestId, clientAddress, scope, operation }) => {
    audit.rateLimited({ requestId: requestId ?? "", clientAddress }, { scope, operation });
  };
}
