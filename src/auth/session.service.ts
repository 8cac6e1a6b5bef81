import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Repository } from "typeorm";
import type { Clock } from "../clock";
import type { Session } from "./session.entity";

export interface OpenedSession {
  readonly session: Session;
  /** The opaque refresh token; only its hash is stored. */
  readonly refreshToken: string;
}

const USER_AGENT_MAX_LENGTH = 512;

/** 256 random bits; a SHA-256 of so much entropy needs no salt or slow hash to be safe at rest. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class SessionService {
  constructor(
    private readonly sessions: Repository<Session>,
    private readonly clock: Clock,
    private readonly refreshTokenTtlSeconds: number,
  ) {}

  async open(userId: string, userAgent: string | null): Promise<OpenedSession> {
    const now = this.clock.now();
    const { token, hash } = newRefreshToken();
    const session = this.sessions.create({
      id: randomUUID(),
      userId,
      refreshTokenHash: hash,
      userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX_LENGTH) : null,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.refreshTokenTtlSeconds * 1000),
      revokedAt: null,
    });
    await this.sessions.insert(session);
    return { session, refreshToken: token };
  }
}
