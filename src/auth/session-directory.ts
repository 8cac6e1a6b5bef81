import { type MonotonicClock, systemMonotonic } from "../core/clock";
import { FreshCache, type FreshCacheSettings } from "../core/fresh-cache";
import type { Repository } from "typeorm";
import type { Session } from "./session.entity";

/** What authentication needs to know of a session: whose it is and whether it was ended. */
export interface SessionStanding {
  readonly userId: string;
  readonly revoked: boolean;
}

/**
 * How long a session row read from the database is trusted. Revocations reach the revocation
 * view within its one-second bound whatever this says; this bounds how long a session deleted
 * past the application (by hand, or with its user) can go unseen.
 */
export const SESSION_ROW_MAX_AGE_MS = 5_000;

/**
 * The sessions behind signed-in requests, from memory: a token whose `sid` names no session of
 * its subject is refused like a revoked one. Whether a session has run out of time needs no
 * lookup: an access token never outlives its session (its `exp` is capped at issue).
 */
export class SessionDirectory {
  private readonly cache: FreshCache<string, SessionStanding | null>;

  constructor(
    sessions: Pick<Repository<Session>, "findOne">,
    settings: FreshCacheSettings = { maxAgeMs: SESSION_ROW_MAX_AGE_MS, maxEntries: 100_000 },
    monotonicNow: MonotonicClock = systemMonotonic,
  ) {
    this.cache = new FreshCache(
      async (id) => {
        const session = await sessions.findOne({
          select: { id: true, userId: true, revokedAt: true },
          where: { id },
        });
        return session ? { userId: session.userId, revoked: session.revokedAt !== null } : null;
      },
      settings,
      monotonicNow,
    );
  }

  get(sessionId: string): Promise<SessionStanding | null> {
    return this.cache.get(sessionId);
  }

  ended(sessionId: string): void {
    this.cache.invalidate(sessionId);
  }
}
