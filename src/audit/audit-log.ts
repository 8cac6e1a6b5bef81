import { createHash } from "node:crypto";
import type { RequestOrigin } from "../core/request-origin";
import type { Logger } from "../logging/logger";
import type { Role } from "../core/role";
import { canonicalEmail } from "../core/email";

export type AuditEvent =
  | "register.succeeded"
  | "login.succeeded"
  | "login.failed"
  | "refresh.succeeded"
  | "refresh.failed"
  | "refresh.reuse_detected"
  | "logout"
  | "logout.everywhere"
  | "password.changed"
  | "password.change_failed"
  | "session.revoked"
  | "sessions.revoked_by_admin"
  | "roles.changed"
  | "user.set_from_cli"
  | "rate_limited"
  | "authorization.refused";

/** What an audit line may carry: ids, counts, roles, reasons. Never a password, token, hash or email. */
export interface AuditFields {
  readonly userId?: string;
  readonly sessionId?: string;
  readonly actorId?: string;
  readonly emailFingerprint?: string;
  readonly reason?: string;
  readonly count?: number;
  readonly oldRoles?: readonly Role[];
  readonly newRoles?: readonly Role[];
  readonly [detail: string]: string | number | boolean | readonly string[] | undefined;
}

/**
 * One structured line per authentication event, `{ audit: true, event, requestId, ... }`, on the
 * application's logger. Audit lines are written at `info` even when LOG_LEVEL is `warn` or
 * `error` (they are the security record, not chatter); only `silent` silences them.
 */
export class AuditLog {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    const level = logger.level === "silent" || logger.levelVal <= 30 ? logger.level : "info";
    this.logger = logger.child({ audit: true }, { level });
  }

  record(event: AuditEvent, origin: RequestOrigin, fields: AuditFields = {}): void {
    const line = {
      event,
      requestId: origin.requestId,
      ...(origin.clientAddress ? { clientAddress: origin.clientAddress } : {}),
      ...fields,
    };
    if (event === "refresh.reuse_detected") this.logger.warn(line, event);
    else this.logger.info(line, event);
  }

  /** For the rate limiter: a caller was refused with 429. */
  rateLimited(
    origin: RequestOrigin,
    fields: { scope: string; operation?: string } & AuditFields,
  ): void {
    this.record("rate_limited", origin, fields);
  }
}

/**
 * A short, stable fingerprint of an email, to correlate failed sign-ins in the log without writing
 * the address. Not a secret: anyone holding a candidate email can recompute it.
 */
export function emailFingerprint(email: string): string {
  return createHash("sha256")
    .update(`audit:email:${canonicalEmail(email)}`)
    .digest("base64url")
    .slice(0, 16);
}
