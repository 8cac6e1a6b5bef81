import { randomUUID } from "node:crypto";
import { type DataSource, In, IsNull, LessThan, MoreThan, type Repository } from "typeorm";
import type { AuditLog } from "../audit/audit-log";
import type { RequestOrigin } from "../core/request-origin";
import type { Clock } from "../core/clock";
import { retryOnConflict } from "../db/retry";
import { NotFoundError } from "../errors/app-errors";
import type { Authorizer } from "../authorization/auth.checker";
import { rules } from "../authorization/rules";
import { parseId } from "../core/ids";
import type { Principal } from "../core/principal";
import type { RevocationLog } from "../revocation/revocation-log";
import {
  firstRefreshToken,
  hashRefreshToken,
  isAuthentic,
  newRotationKey,
  parseRefreshToken,
  type ParsedRefreshToken,
  successorOf,
} from "./refresh-token";
import { Session, type SessionEndReason } from "./session.entity";

export interface OpenedSession {
  readonly session: Session;
  /** The opaque refresh token; only its hash is stored. */
  readonly refreshToken: string;
}

export interface SessionSettings {
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  readonly sessionMaxLifetimeSeconds: number;
}

export type RotationResult =
  | { readonly ok: true; readonly session: Session; readonly refreshToken: string }
  | {
      readonly ok: false;
      readonly reason: "invalid" | "expired" | "revoked" | "reuse-detected";
      readonly session?: Session;
    };

const USER_AGENT_MAX_LENGTH = 512;

/** Sessions and their refresh tokens: opening, rotation with reuse detection, revocation. */
export class SessionService {
  private readonly sessions: Repository<Session>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly revocations: RevocationLog,
    private readonly clock: Clock,
    private readonly settings: SessionSettings,
    private readonly audit: AuditLog,
    private readonly authorizer: Authorizer,
  ) {
    this.sessions = dataSource.getRepository(Session);
  }

  async open(
    userId: string,
    userAgent: string | null,
    scope: readonly string[] | null = null,
  ): Promise<OpenedSession> {
    const now = this.clock.now();
    const id = randomUUID();
    const rotationKey = newRotationKey();
    const refreshToken = firstRefreshToken(rotationKey, id);
    const absoluteExpiresAt = this.after(now, this.settings.sessionMaxLifetimeSeconds);
    const session = this.sessions.create({
      id,
      userId,
      refreshTokenHash: hashRefreshToken(refreshToken),
      previousTokenHash: null,
      rotatedAt: null,
      rotationKey,
      userAgent: truncateUserAgent(userAgent),
      scope: scope ? scope.join(" ") : null,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: minDate(this.after(now, this.settings.refreshTokenTtlSeconds), absoluteExpiresAt),
      absoluteExpiresAt,
      revokedAt: null,
      revokedReason: null,
    });
    // A new row with a fresh id: a failed insert left nothing, so it may simply run again.
    await retryOnConflict(() => this.sessions.insert(session));
    return { session, refreshToken };
  }

  /**
   * Exchanges a refresh token for its successor. The swap is one conditional UPDATE, so of many
   * concurrent requests exactly one rotates; the others, within the grace period, get the same
   * successor (it is derived, not random). A used token presented after that revokes the session.
   * On Galera the loser of two rotations on two nodes may learn it from certification instead of
   * from the row: its UPDATE runs again until it sees the winner's, and then takes the same path.
   */
  async rotate(refreshToken: string, userAgent: string | null): Promise<RotationResult> {
    const found = await this.findAuthentic(refreshToken);
    if (!found) return { ok: false, reason: "invalid" };
    const { parsed } = found;
    let session = found.session;
    if (session.revokedAt) return { ok: false, reason: "revoked", session };

    const now = this.clock.now();
    const presented = hashRefreshToken(refreshToken);
    const successor = successorOf(session.rotationKey, parsed);
    const successorHash = hashRefreshToken(successor);

    if (session.refreshTokenHash === presented) {
      if (session.expiresAt <= now) return { ok: false, reason: "expired", session };
      const expiresAt = minDate(
        this.after(now, this.settings.refreshTokenTtlSeconds),
        session.absoluteExpiresAt ?? session.expiresAt,
      );
      const result = await retryOnConflict(() =>
        this.sessions.update(
          { id: session.id, refreshTokenHash: presented, revokedAt: IsNull() },
          {
            refreshTokenHash: successorHash,
            previousTokenHash: presented,
            rotatedAt: now,
            lastUsedAt: now,
            expiresAt,
            ...(userAgent ? { userAgent: truncateUserAgent(userAgent) } : {}),
          },
        ),
      );
      if (result.affected === 1) {
        Object.assign(session, {
          refreshTokenHash: successorHash,
          previousTokenHash: presented,
          rotatedAt: now,
          expiresAt,
        });
        return { ok: true, session, refreshToken: successor };
      }
      // Another request rotated it first: judge this one as a repeat of that token.
      session = await this.sessions.findOneByOrFail({ id: session.id });
      if (session.revokedAt) return { ok: false, reason: "revoked", session };
    }

    const withinGrace =
      session.previousTokenHash === presented &&
      session.refreshTokenHash === successorHash &&
      session.rotatedAt !== null &&
      now.getTime() - session.rotatedAt.getTime() <= this.settings.refreshReuseGraceSeconds * 1000;
    if (withinGrace && session.expiresAt > now) {
      return { ok: true, session, refreshToken: successor };
    }

    await this.revoke([session.id], "reuse-detected");
    return { ok: false, reason: "reuse-detected", session };
  }

  /** The session a refresh token belongs to, if the token is current (used by logout). */
  async findByRefreshToken(refreshToken: string): Promise<Session | null> {
    const session = (await this.findAuthentic(refreshToken))?.session;
    if (!session) return null;
    const presented = hashRefreshToken(refreshToken);
    return session.refreshTokenHash === presented || session.previousTokenHash === presented
      ? session
      : null;
  }

  /** The user's sessions that can still be refreshed, newest first. */
  listLive(userId: string): Promise<Session[]> {
    return this.sessions.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) },
      order: { createdAt: "DESC", id: "ASC" },
    });
  }

  /**
   * Ends sessions: they refresh no more, and their access tokens are refused by every instance
   * within the revocation store's staleness bound (at once on this one). Returns how many ended.
   * Safe to repeat: a run that lost a conflict is undone whole, and the next finds what is still
   * live (none, if the other side revoked them).
   */
  async revoke(sessionIds: readonly string[], reason: SessionEndReason): Promise<number> {
    if (sessionIds.length === 0) return 0;
    const now = this.clock.now();
    const ended = await retryOnConflict(() =>
      this.dataSource.transaction(async (manager) => {
        const repository = manager.getRepository(Session);
        const live = await repository.find({
          select: { id: true },
          where: { id: In([...sessionIds]), revokedAt: IsNull() },
        });
        const ids = live.map((session) => session.id);
        if (ids.length === 0) return ids;
        await repository.update(
          { id: In(ids), revokedAt: IsNull() },
          { revokedAt: now, revokedReason: reason },
        );
        await this.revocations.recordSessions(manager, ids);
        return ids;
      }),
    );
    this.revocations.committed({ sessionIds: ended });
    return ended.length;
  }

  /** Ends one of the caller's own sessions. */
  async revokeOwn(principal: Principal, sessionId: string, meta: RequestOrigin): Promise<boolean> {
    const session = await this.sessions.findOneBy({ id: parseId(sessionId) });
    if (!session) throw new NotFoundError("No such session.");
    this.authorizer.require(
      rules.revokeOwnSession,
      principal,
      session.userId === principal.userId ? "owner" : "other",
      { at: "Mutation.revokeSession", origin: meta },
    );
    const count = await this.revoke([session.id], "revoked");
    this.audit.record("session.revoked", meta, {
      userId: principal.userId,
      sessionId: principal.sessionId,
      revokedSessionId: session.id,
      count,
    });
    return true;
  }

  /** An administrator ends every session of a user. Returns how many ended. */
  async revokeUserSessions(
    actor: Principal,
    targetId: string,
    meta: RequestOrigin,
  ): Promise<number> {
    const userId = parseId(targetId, "userId");
    const count = await this.revokeAllOf(userId, "admin");
    this.audit.record("sessions.revoked_by_admin", meta, {
      actorId: actor.userId,
      sessionId: actor.sessionId,
      userId,
      count,
    });
    return count;
  }

  /** Every live session of a user, except perhaps one (the caller's own). */
  async revokeAllOf(
    userId: string,
    reason: SessionEndReason,
    exceptSessionId?: string,
  ): Promise<number> {
    const sessions = await this.sessions.find({
      select: { id: true },
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) },
    });
    return this.revoke(
      sessions.map((session) => session.id).filter((id) => id !== exceptSessionId),
      reason,
    );
  }

  /** Deletes sessions that ended long enough ago that no token of theirs can still be used. */
  async purgeExpired(olderThanSeconds: number): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - olderThanSeconds * 1000);
    const result = await this.sessions.delete({ expiresAt: LessThan(cutoff) });
    return result.affected ?? 0;
  }

  /**
   * The session a refresh token names, if the token was minted by it (its MAC checks out);
   * whether it is the current token is for the caller to judge.
   */
  private async findAuthentic(
    refreshToken: string,
  ): Promise<{ parsed: ParsedRefreshToken; session: Session } | null> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) return null;
    const session = await this.sessions.findOneBy({ id: parsed.sessionId });
    return session && isAuthentic(session.rotationKey, parsed) ? { parsed, session } : null;
  }

  private after(date: Date, seconds: number): Date {
    return new Date(date.getTime() + seconds * 1000);
  }
}

function minDate(a: Date, b: Date): Date {
  return a <= b ? a : b;
}

function truncateUserAgent(userAgent: string | null): string | null {
  return userAgent ? userAgent.slice(0, USER_AGENT_MAX_LENGTH) : null;
}
