import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import type { Clock } from "../core/clock";
import { epochSeconds } from "../core/clock";
import { InvalidTokenError } from "../errors/app-errors";
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
}

/** RFC 9068 §2.1: "at+jwt", optionally with the "application/" prefix; media types ignore case. */
const ACCESS_TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt"]);
/** Far above any token we issue; refuses oversized input before any parsing or crypto. */
const MAX_TOKEN_LENGTH = 4096;
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

  issueAccessToken(
    subject: { userId: string; roles: readonly Role[] },
    sessionId: string,
  ): IssuedAccessToken {
    const now = epochSeconds(this.clock.now());
    const tokenId = randomUUID();
    const { kid, algorithm, key } = this.keys.signing;
    const payload = {
      iss: this.settings.issuer,
      aud: this.settings.audience,
      sub: subject.userId,
      iat: now,
      exp: now + this.settings.accessTokenTtlSeconds,
      jti: tokenId,
      sid: sessionId,
      roles: [...subject.roles],
    };
    const token = jwt.sign(payload, key, {
      algorithm,
      header: { alg: algorithm, typ: "at+jwt", kid },
    });
    return { token, expiresIn: this.settings.accessTokenTtlSeconds, tokenId };
  }

  /** Returns the principal of a valid token, or throws InvalidTokenError (HTTP 401). */
  verifyAccessToken(token: string): Principal {
    const header = this.readHeader(token);
    const key = typeof header.kid === "string" ? this.keys.find(header.kid) : undefined;
    if (!key || header.alg !== key.algorithm) throw new InvalidTokenError();
    if (typeof header.typ !== "string" || !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
      throw new InvalidTokenError();
    }
    // RFC 7515 §4.1.11: a token naming extensions we do not understand must be refused.
    if ("crit" in header) throw new InvalidTokenError();

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
      throw new InvalidTokenError(
        error instanceof jwt.TokenExpiredError ? "TOKEN_EXPIRED" : undefined,
      );
    }
    return this.toPrincipal(payload, now);
  }

  private readHeader(token: string): Record<string, unknown> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError();
    const parts = token.split(".");
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
      throw new InvalidTokenError();
    }
    try {
      const header: unknown = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
      if (header && typeof header === "object" && !Array.isArray(header)) {
        return header as Record<string, unknown>;
      }
    } catch {
      // fall through to the one refusal below
    }
    throw new InvalidTokenError();
  }

  private toPrincipal(payload: unknown, now: number): Principal {
    if (!payload || typeof payload !== "object") throw new InvalidTokenError();
    const claims = payload as Record<string, unknown>;
    const { sub, sid, jti, iat, exp, roles } = claims;
    if (
      !isNonEmptyString(sub) ||
      !isNonEmptyString(sid) ||
      !isNonEmptyString(jti) ||
      typeof exp !== "number" ||
      typeof iat !== "number" ||
      iat > now + this.settings.clockToleranceSeconds ||
      !Array.isArray(roles) ||
      !roles.every(isRole)
    ) {
      throw new InvalidTokenError();
    }
    return { userId: sub, sessionId: sid, tokenId: jti, roles, issuedAt: iat, expiresAt: exp };
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 128;
}
