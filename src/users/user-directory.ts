import { type MonotonicClock, systemMonotonic } from "../core/clock";
import { FreshCache, type FreshCacheSettings } from "../core/fresh-cache";
import type { Repository } from "typeorm";
import type { User } from "./user.entity";

/**
 * How long a user row read from the database is trusted: the revocation view's bound
 * (`config.revocation.maxStalenessMs`, one second), so that every change to a user reaches every
 * instance within it, however it was made:
 * - a role change (`setUserRoles`, `npm run user:add`) is written to the revocation log, and the
 *   view drops the row at once when it reads or is told of it (the observer, `changed`);
 * - a password change writes `password_hash` and `updated_at` only, neither of which any answer
 *   or decision takes from this copy (`me` exposes neither; sign-in and `changePassword` read the
 *   row from the database); what it must do elsewhere, end the user's other sessions, goes
 *   through the revocation log like a logout; the copy itself is at most this old;
 * - a deletion has no mutation and announces nothing (a row deleted by hand or by an operator's
 *   tool): only this age bounds it.
 * A request therefore sees any change at most this long after it committed, plus the time of
 * the read that loads the row. The price is one primary-key read per user per second per
 * instance, for users who sent a request in that second only: about 40 µs of CPU on SQLite and
 * 130 µs on MySQL (plus a round trip, off the event loop) with 100,000 rows in the table, where
 * a `me` request costs about 360 µs. That is noise for a user who sends several requests a
 * second, and never more than one read per request (what `me` paid on every request before).
 * The size of the table does not show: `BENCH_ONLY=users npm run bench` (docs/benchmark.md).
 */
export const USER_ROW_MAX_AGE_MS = 1_000;

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

  /**
   * The user's row if memory holds a fresh one (null: the user does not exist), without waiting:
   * undefined when it would take a read. Lets a resolver answer synchronously.
   */
  peek(userId: string): User | null | undefined {
    return this.cache.peek(userId);
  }

  /** The user changed (roles, password, deletion): read the row afresh next time. */
  changed(userId: string): void {
    this.cache.invalidate(userId);
  }
}
