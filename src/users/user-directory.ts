import { type MonotonicClock, systemMonotonic } from "../core/clock";
import { FreshCache, type FreshCacheSettings } from "../core/fresh-cache";
import type { Repository } from "typeorm";
import type { User } from "./user.entity";

/**
 * How long a user row read from the database is trusted. Changes made through the application
 * (a role change, on any instance) drop the row at once through the revocation log; this bounds
 * how long a change made past it (a row deleted by hand) can go unseen.
 */
export const USER_ROW_MAX_AGE_MS = 5_000;

/**
 * The users behind signed-in requests, from memory: whom authentication checks a token's subject
 * against, and what `me` answers with, without a database round trip per request.
 */
export class UserDirectory {
  private readonly cache: FreshCache<string, User | null>;

  constructor(
    users: Pick<Repository<User>, "findOneBy">,
    settings: FreshCacheSettings = { maxAgeMs: USER_ROW_MAX_AGE_MS, maxEntries: 50_000 },
    monotonicNow: MonotonicClock = systemMonotonic,
  ) {
    this.cache = new FreshCache((id) => users.findOneBy({ id }), settings, monotonicNow);
  }

  /** The user's row, at most `maxAgeMs` old and never older than its last known change. */
  get(userId: string): Promise<User | null> {
    return this.cache.get(userId);
  }

  /** The user changed (roles, password, deletion): read the row afresh next time. */
  changed(userId: string): void {
    this.cache.invalidate(userId);
  }
}
