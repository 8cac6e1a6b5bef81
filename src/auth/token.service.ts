import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import type { Clock } from "../core/clock";
import { epochSeconds } from "../core/clock";
import { InvalidTokenError, type TokenCheck } from "../errors/app-errors";
import { isRole, type Role } from "../core/role";
import type { KeyRing, VerificationKey } from "./key-ring";
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
 * How many verified tokens are remembered. A signed-in client sends the same token with every
 * request until it refreshes, so one entry per client in use; each is the token's text and its
 * principal, about 1 KB.
 */
export const VERIFIED_TOKENS_KEPT = 10_000;

/** A token that passed every check, and what makes it stop passing: its key or its expiry. */
interface VerifiedToken {
  readonly principal: Principal;
  readonly kid: string;
  readonly key: VerificationKey;
}

/**
 * Issues and verifies access tokens. Verification is deliberately stricter than jsonwebtoken's
 * defaults: the `kid` alone selects the key, the key alone fixes the algorithm, and the claims
 * jsonwebtoken treats as optional (`exp`, `jti`, `sid`, `sub`) are required.
 */
export class TokenService {
  /**
   * Tokens that passed every check, by their exact text, oldest first. Only a token with a valid
   * signature gets here, so a hit is a token this server issued and has already checked in full;
   * what can change since is time (the expiry, a retired key's notAfter), checked on every hit.
   * Revocation is not a property of the token and is checked on every request after this.
   */
  private readonly verified = new Map<string, VerifiedToken>();

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
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError("length");
    const known = this.verified.get(token);
    if (known) {
      const now = epochSeconds(this.clock.now());
      // As jsonwebtoken decides expiry: refused from exp + tolerance on.
      const live = now < known.principal.expiresAt + this.settings.clockToleranceSeconds;
      if (live && this.keys.find(known.kid) === known.key) return known.principal;
      // Expired, or its key retired since: the full check below says which.
      this.verified.delete(token);
    }
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
    const principal = this.toPrincipal(payload, now);
    this.remember(token, { principal, kid: key.kid, key });
    return principal;
  }

  private remember(token: string, verified: VerifiedToken): void {
    this.verified.set(token, verified);
    if (this.verified.size > VERIFIED_TOKENS_KEPT) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
  }

  /** How many verified tokens are remembered, for tests and benchmarks. */
  get verifiedTokensKept(): number {
    return this.verified.size;
  }

  private readHeader(token: string): Record<string, unknown> {
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
    // Frozen: the same principal answers every request that presents this token.
    return Object.freeze({
      userId: sub,
      sessionId: sid,
      tokenId: jti,
      roles: Object.freeze(roles),
      // Names this server no longer knows grant nothing: the scope only ever narrows.
      scope:
        scope === undefined
          ? null
          : Object.freeze(scope.split(" ").filter((name) => name.length > 0)),
      issuedAt: iat,
      expiresAt: exp,
    });
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
