import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import type { Clock } from "../core/clock";
import { epochSeconds } from "../core/clock";
import { InvalidTokenError, type TokenCheck } from "../errors/app-errors";
import { isRole, type Role } from "../core/role";
import type { KeyRing } from "./key-ring";
import type { Principal } from "../core/principal";

export interface TokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly clockToleranceSeconds: number;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly tokenId: string;
  /** Whom the token speaks for, as verifying it would say. */
  readonly principal: Principal;
}

/** RFC 9068 §2.1: "at+jwt", optionally with the "application/" prefix; media types ignore case. */
const ACCESS_TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt"]);
/** Far above any token we issue; refuses oversized input before any parsing or crypto. */
const MAX_TOKEN_LENGTH = 4096;
/** Every permission name, space-separated, fits many times over. */
const MAX_SCOPE_LENGTH = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Issues and verifies access tokens. Verification is deliberately stricter than jsonwebtoken's
 * defaults: the `kid` alone selects the key, the key alone fixes the algorithm, and the claims
 * jsonwebtoken treats as optional (`exp`, `jti`, `sid`, `sub`) are required.
 */
export class TokenService {
  constructor(
    private readonly keys: KeyRing,
    private readonly settings: TokenSettings,
    private readonly clock: Clock,
  ) {}

  /**
   * A token for the session's subject, living ACCESS_TOKEN_TTL but never past `sessionEndsAt`:
   * no access token outlives its session, so checking one needs no look at the session's time.
   */
  issueAccessToken(
    subject: { userId: string; roles: readonly Role[]; scope?: readonly string[] | null },
    sessionId: string,
    sessionEndsAt?: Date,
  ): IssuedAccessToken {
    const now = epochSeconds(this.clock.now());
    const ttl = this.settings.accessTokenTtlSeconds;
    const lifetime = sessionEndsAt
      ? Math.max(0, Math.min(ttl, epochSeconds(sessionEndsAt) - now))
      : ttl;
    const tokenId = randomUUID();
    const { kid, algorithm, key } = this.keys.signing;
    const payload = {
      iss: this.settings.issuer,
      aud: this.settings.audience,
      sub: subject.userId,
      iat: now,
      exp: now + lifetime,
      jti: tokenId,
      sid: sessionId,
      roles: [...subject.roles],
      ...(subject.scope ? { scope: subject.scope.join(" ") } : {}),
    };
    const token = jwt.sign(payload, key, {
      algorithm,
      header: { alg: algorithm, typ: "at+jwt", kid },
    });
    const principal: Principal = {
      userId: subject.userId,
      sessionId,
      tokenId,
      roles: [...subject.roles],
      scope: subject.scope ? [...subject.scope] : null,
      issuedAt: now,
      expiresAt: now + lifetime,
    };
    return { token, expiresIn: lifetime, tokenId, principal };
  }

  /** Returns the principal of a valid token, or throws InvalidTokenError (HTTP 401). */
  verifyAccessToken(token: string): Principal {
    const header = this.readHeader(token);
    const key = typeof header.kid === "string" ? this.keys.find(header.kid) : undefined;
    if (!key) throw new InvalidTokenError("kid");
    if (header.alg !== key.algorithm) throw new InvalidTokenError("alg");
    if (typeof header.typ !== "string" || !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
      throw new InvalidTokenError("typ");
    }
    // RFC 7515 §4.1.11: a token naming extensions we do not understand must be refused.
    if ("crit" in header) throw new InvalidTokenError("crit");

    const now = epochSeconds(this.clock.now());
    let payload: unknown;
    try {
      payload = jwt.verify(token, key.key, {
        algorithms: [key.algorithm],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockToleranceSeconds,
        clockTimestamp: now,
      });
    } catch (error) {
      throw new InvalidTokenError(failedCheck(error));
    }
    return this.toPrincipal(payload, now);
  }

  private readHeader(token: string): Record<string, unknown> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError("length");
    const parts = token.split(".");
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
      throw new InvalidTokenError("format");
    }
    try {
      const header: unknown = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
      if (header && typeof header === "object" && !Array.isArray(header)) {
        return header as Record<string, unknown>;
      }
    } catch {
      // fall through to the one refusal below
    }
    throw new InvalidTokenError("header");
  }

  private toPrincipal(payload: unknown, now: number): Principal {
    if (!payload || typeof payload !== "object") throw new InvalidTokenError("claims");
    const claims = payload as Record<string, unknown>;
    const { sub, sid, jti, iat, exp, roles, scope } = claims;
    if (
      !isNonEmptyString(sub) ||
      !isNonEmptyString(sid) ||
      !isNonEmptyString(jti) ||
      typeof exp !== "number" ||
      typeof iat !== "number" ||
      !Array.isArray(roles) ||
      !roles.every(isRole) ||
      (scope !== undefined && (typeof scope !== "string" || scope.length > MAX_SCOPE_LENGTH))
    ) {
      throw new InvalidTokenError("claims");
    }
    if (iat > now + this.settings.clockToleranceSeconds) throw new InvalidTokenError("iat");
    return {
      userId: sub,
      sessionId: sid,
      tokenId: jti,
      roles,
      // Names this server no longer knows grant nothing: the scope only ever narrows.
      scope: scope === undefined ? null : scope.split(" ").filter((name) => name.length > 0),
      issuedAt: iat,
      expiresAt: exp,
    };
  }
}

/** Which of jsonwebtoken's checks refused the token (its messages are stable across 9.x). */
function failedCheck(error: unknown): TokenCheck {
  if (error instanceof jwt.TokenExpiredError) return "expired";
  if (error instanceof jwt.NotBeforeError) return "not-before";
  const message = error instanceof Error ? error.message : "";
  if (message.startsWith("jwt issuer invalid")) return "iss";
  if (message.startsWith("jwt audience invalid")) return "aud";
  if (message === "invalid algorithm") return "alg";
  if (message.includes("malformed") || message === "invalid token") return "format";
  return "signature";
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 128;
}
