import type { DataSource } from "typeorm";
import { type Clock, type MonotonicClock, systemMonotonic } from "../core/clock";
import { ServiceUnavailableError } from "../errors/app-errors";
import type { Startable } from "../core/startable";
import type { Logger } from "../logging/logger";
import type { Role } from "../core/role";
import type { Principal } from "../core/principal";
import type { Revocation } from "./revocation.entity";
import { RevocationLogReader } from "./revocation-log-reader";
import type { RevocationNotice } from "./revocation-notice";
import type { RevocationObserver } from "./revocation-observer";
import type { LocalRevocations, PeerRevocations, RevocationView } from "./revocation-view";

export interface RevocationSettings {
  /** How often the log is read. */
  readonly pollIntervalMs: number;
  /** Past this without a successful read, every bearer token is refused with 503. */
  readonly maxStalenessMs: number;
  /** How long a revocation must be remembered: the longest an access token lives, plus skew. */
  readonly retentionSeconds: number;
  /**
   * Past the staleness bound with no read failed (the event loop was busy), how long a request
   * waits for a fresh read before it is refused; DEFAULT_STALL_WAIT_MS when not given.
   */
  readonly stallWaitMs?: number;
}

/** A few round trips to the database, and well under the staleness bound itself. */
export const DEFAULT_STALL_WAIT_MS = 300;

/** Expired entries are dropped this often, not on every poll: a walk over every entry. */
const PRUNE_INTERVAL_MS = 5_000;

/**
 * Follows the `revocations` table by its commit sequence (`seq`, see revocation-sequence.ts):
 * one indexed range read per poll interval for the whole instance, whatever the request rate,
 * returning only rows not applied yet and costing nothing more when nothing happens. Every
 * committed row is read exactly once, whatever the ids look like. Entries are dropped from memory
 * when the tokens they cover have expired, so memory is bounded by the revocations of one
 * access-token lifetime.
 */
export class DatabaseRevocationView
  implements RevocationView, LocalRevocations, PeerRevocations, Startable
{
  private readonly revokedSessions = new Map<string, number>();
  private readonly currentRoles = new Map<
    string,
    { roles: readonly Role[]; expiresAt: number; seq: number }
  >();
  /** Every row numbered up to this has been read; undefined until the first read. */
  private highestSeq?: number;
  private readonly reader: RevocationLogReader;
  private lastPrunedAt = -Infinity;
  private rowsRead = 0;
  private lastRefreshedAt = -Infinity;
  /** Whether the last read of the log failed: the log cannot be read, so nothing is waited for. */
  private lastReadFailed = false;
  /** When the read in flight (`polling`) started, on the monotonic clock. */
  private pollStartedAt = -Infinity;
  /** Requests waiting in `awaitFreshView`, each woken by the end of a read or its own deadline. */
  private readonly waiters = new Set<() => void>();
  private staleWaits = 0;
  private staleRefusals = 0;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  /** A read was asked for while one was in flight (which may have missed the new rows). */
  private readAgain = false;

  private readonly monotonicNow: MonotonicClock;
  private readonly observer?: RevocationObserver;

  constructor(
    dataSource: DataSource,
    private readonly settings: RevocationSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: {
      readonly monotonicNow?: MonotonicClock;
      readonly observer?: RevocationObserver;
    } = {},
  ) {
    this.monotonicNow = options.monotonicNow ?? systemMonotonic;
    this.observer = options.observer;
    this.reader = new RevocationLogReader(dataSource);
  }

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.pollSafely(), this.settings.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
    await this.reader.release();
    // No read will come any more: waiting requests go on to `check`, which decides alone.
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Resolves at once while the view is within its bound, or when the last read failed (the log
   * cannot be read: `check` refuses at once, as it always has). Otherwise the view is past its
   * bound because reads could not run or be answered in time, typically because the event loop
   * was held by other work; this then waits, at most `stallWaitMs`, until a read started after
   * this call ends (a read in flight that started earlier is followed by one more), or until any
   * read fails. Every waiting request shares the same reads. It never admits anything itself:
   * the caller goes on to `check`, which still refuses a view past its bound, and whose lookup
   * sees whatever the fresh read brought in.
   */
  awaitFreshView(): Promise<void> {
    if (this.isFresh() || this.lastReadFailed || this.timer === undefined) {
      return Promise.resolve();
    }
    this.staleWaits++;
    const calledAt = this.monotonicNow();
    if (this.polling === undefined) void this.pollSafely();
    else if (this.pollStartedAt < calledAt) this.readAgain = true;
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(deadline);
        this.waiters.delete(wake);
        resolve();
      };
      const deadline = setTimeout(wake, this.settings.stallWaitMs ?? DEFAULT_STALL_WAIT_MS);
      this.waiters.add(wake);
    });
  }

  /** How old the view is: the time since the last successful read started, in milliseconds. */
  viewAgeMs(): number {
    return this.monotonicNow() - this.lastRefreshedAt;
  }

  check(principal: Principal): Principal | null {
    if (!this.isFresh()) {
      this.staleRefusals++;
      throw new ServiceUnavailableError();
    }
    if (this.revokedSessions.has(principal.sessionId)) return null;
    const current = this.currentRoles.get(principal.userId);
    if (!current) return principal;
    const roles = principal.roles.filter((role) => current.roles.includes(role));
    return roles.length === principal.roles.length ? principal : { ...principal, roles };
  }

  /**
   * What the view holds and how much of the log it has read, for logs and benchmarks; and how
   * many checks found it past its bound and waited (`staleWaits`), or were refused
   * (`staleRefusals`), since start.
   */
  stats(): {
    revokedSessions: number;
    roleChanges: number;
    rowsRead: number;
    highestSeq: number;
    staleWaits: number;
    staleRefusals: number;
  } {
    return {
      revokedSessions: this.revokedSessions.size,
      roleChanges: this.currentRoles.size,
      rowsRead: this.rowsRead,
      highestSeq: this.highestSeq ?? 0,
      staleWaits: this.staleWaits,
      staleRefusals: this.staleRefusals,
    };
  }

  /** The contract's bound: the last successful read started at most `maxStalenessMs` ago. */
  private isFresh(): boolean {
    return this.monotonicNow() - this.lastRefreshedAt <= this.settings.maxStalenessMs;
  }

  /** A revocation this instance has just committed takes effect here at once. */
  applyLocally(revocation: RevocationNotice): void {
    this.rememberSessions(revocation.sessionIds ?? []);
    if (revocation.roles) {
      // seq -1: the row this instance just wrote replaces it on the next read.
      this.currentRoles.set(revocation.roles.userId, {
        roles: revocation.roles.roles,
        expiresAt: this.retainedUntil(),
        seq: -1,
      });
      this.observer?.rolesChanged(revocation.roles.userId);
    }
  }

  /**
   * A revocation another instance committed and announced (through Redis). Revoked sessions
   * take effect at once: revoking is idempotent and order-free. A role change is not applied
   * from the message: it carries no log id, so a late message could undo a newer change read
   * from the log meanwhile (say, restore a removed ADMIN until retention ends). The log is read
   * now instead, where later rows win, which costs one primary-key range read.
   */
  applyFromPeer(revocation: RevocationNotice): void {
    this.rememberSessions(revocation.sessionIds ?? []);
    if (revocation.roles) this.readSoon();
  }

  /** Reads the log now rather than at the next tick; a read in flight is followed by one more. */
  readSoon(): void {
    if (this.timer === undefined) return; // not started, or stopped
    if (this.polling) {
      this.readAgain = true;
      return;
    }
    void this.pollSafely();
  }

  private rememberSessions(sessionIds: readonly string[]): void {
    if (sessionIds.length === 0) return;
    const expiresAt = this.retainedUntil();
    for (const sessionId of sessionIds) this.revokedSessions.set(sessionId, expiresAt);
    this.observer?.sessionsEnded(sessionIds);
  }

  private retainedUntil(): number {
    return this.clock.now().getTime() + this.settings.retentionSeconds * 1000;
  }

  private async pollSafely(): Promise<void> {
    if (this.polling) return;
    try {
      await this.poll();
    } catch (error) {
      this.logger.warn({ err: error }, "revocation log could not be read");
    }
    if (this.readAgain && this.timer !== undefined) {
      this.readAgain = false;
      await this.pollSafely();
    }
  }

  private async poll(): Promise<void> {
    const started = this.monotonicNow();
    this.pollStartedAt = started;
    this.polling = this.readLog();
    try {
      await this.polling;
      this.lastRefreshedAt = started;
      this.lastReadFailed = false;
    } catch (error) {
      this.lastReadFailed = true;
      throw error;
    } finally {
      this.polling = undefined;
      this.wakeWaiters();
    }
  }

  /**
   * After each read: a failure ends every wait (the log cannot be read), and so does a view back
   * within its bound. A read that succeeded but had started too long ago (it was in flight while
   * the loop was held) leaves the waits to the read queued after it.
   */
  private wakeWaiters(): void {
    if (this.waiters.size === 0) return;
    if (!this.lastReadFailed && !this.isFresh()) return;
    for (const wake of [...this.waiters]) wake();
  }

  private async readLog(): Promise<void> {
    const now = this.clock.now();
    const { rows, floor } = await this.reader.readAfter(this.highestSeq, now);
    this.rowsRead += rows.length;
    // One snapshot, commits in sequence order: holding a row numbered n, it holds every row
    // numbered up to n. No gap to wait for, whatever the ids.
    let highest = floor;
    for (const row of rows) {
      const seq = Number(row.seq); // MySQL returns BIGINT as a string
      this.apply(row, seq, now.getTime());
      highest = Math.max(highest, seq);
    }
    this.highestSeq = highest;
    const monotonic = this.monotonicNow();
    if (monotonic - this.lastPrunedAt >= PRUNE_INTERVAL_MS) {
      this.forgetExpired(now.getTime());
      this.lastPrunedAt = monotonic;
    }
  }

  private apply(row: Revocation, seq: number, now: number): void {
    const expiresAt = row.expiresAt.getTime();
    if (expiresAt <= now) return;
    if (row.kind === "session") {
      if (!this.revokedSessions.has(row.subject)) this.observer?.sessionsEnded([row.subject]);
      this.revokedSessions.set(row.subject, expiresAt);
    } else if (row.kind === "roles") {
      const known = this.currentRoles.get(row.subject);
      // Later commits win (ids say nothing about commit order across Galera nodes); a row read
      // late, at start, must not undo a newer role change.
      if (!known || known.seq <= seq) {
        this.currentRoles.set(row.subject, { roles: row.roles ?? [], expiresAt, seq });
        this.observer?.rolesChanged(row.subject);
      }
    }
  }

  private forgetExpired(now: number): void {
    for (const [sessionId, expiresAt] of this.revokedSessions) {
      if (expiresAt <= now) this.revokedSessions.delete(sessionId);
    }
    for (const [userId, entry] of this.currentRoles) {
      if (entry.expiresAt <= now) this.currentRoles.delete(userId);
    }
  }
}
