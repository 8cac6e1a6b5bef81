import { type DataSource, LessThan, MoreThan, MoreThanOrEqual, type EntityManager } from "typeorm";
import type { Clock } from "../clock";
import { ServiceUnavailableError } from "../errors/app-errors";
import type { Logger } from "../logger";
import type { Role } from "../users/role";
import type { Principal } from "./principal";
import { Revocation } from "./revocation.entity";
import type { RevocationStore } from "./revocation-store";

export interface RevocationSettings {
  /** How often the log is read. */
  readonly pollIntervalMs: number;
  /** Past this without a successful read, every bearer token is refused with 503. */
  readonly maxStalenessMs: number;
  /** How long a revocation must be remembered: the longest an access token lives, plus skew. */
  readonly retentionSeconds: number;
}

/** Rows committed slightly out of created_at order are still caught by re-reading this window. */
const OVERLAP_MS = 2_000;

/**
 * Follows the `revocations` table: one indexed read per poll interval for the whole instance,
 * whatever the request rate. Entries are dropped from memory when the tokens they cover have
 * expired, so memory is bounded by the revocations of one access-token lifetime.
 */
export class DatabaseRevocationStore implements RevocationStore {
  private readonly revokedSessions = new Map<string, number>();
  private readonly currentRoles = new Map<
    string,
    { roles: readonly Role[]; expiresAt: number; id: number }
  >();
  private cursor?: Date;
  private lastRefreshedAt = -Infinity;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: RevocationSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.pollSafely(), this.settings.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
  }

  check(principal: Principal): Principal | null {
    if (this.monotonicNow() - this.lastRefreshedAt > this.settings.maxStalenessMs) {
      throw new ServiceUnavailableError();
    }
    if (this.revokedSessions.has(principal.sessionId)) return null;
    const current = this.currentRoles.get(principal.userId);
    if (!current) return principal;
    const roles = principal.roles.filter((role) => current.roles.includes(role));
    return roles.length === principal.roles.length ? principal : { ...principal, roles };
  }

  applyLocally(revocation: {
    sessionIds?: readonly string[];
    roles?: { userId: string; roles: readonly Role[] };
  }): void {
    const expiresAt = this.clock.now().getTime() + this.settings.retentionSeconds * 1000;
    for (const sessionId of revocation.sessionIds ?? [])
      this.revokedSessions.set(sessionId, expiresAt);
    if (revocation.roles) {
      // id -1: the row this instance just wrote replaces it on the next read.
      this.currentRoles.set(revocation.roles.userId, {
        roles: revocation.roles.roles,
        expiresAt,
        id: -1,
      });
    }
  }

  /** Rows for a set of revoked sessions, written in the caller's transaction. */
  async writeSessionRevocations(
    manager: EntityManager,
    sessionIds: readonly string[],
  ): Promise<void> {
    if (sessionIds.length === 0) return;
    const expiresAt = this.expiry();
    await manager.insert(
      Revocation,
      sessionIds.map((subject) => ({ kind: "session" as const, subject, roles: null, expiresAt })),
    );
  }

  async writeRoles(manager: EntityManager, userId: string, roles: readonly Role[]): Promise<void> {
    await manager.insert(Revocation, {
      kind: "roles",
      subject: userId,
      roles: [...roles],
      expiresAt: this.expiry(),
    });
  }

  /** Deletes rows whose tokens have all expired; any instance may run it. */
  async purgeExpired(): Promise<number> {
    const result = await this.dataSource
      .getRepository(Revocation)
      .delete({ expiresAt: LessThan(this.clock.now()) });
    return result.affected ?? 0;
  }

  private expiry(): Date {
    return new Date(this.clock.now().getTime() + this.settings.retentionSeconds * 1000);
  }

  private async pollSafely(): Promise<void> {
    if (this.polling) return;
    try {
      await this.poll();
    } catch (error) {
      this.logger.warn({ err: error }, "revocation log could not be read");
    }
  }

  private async poll(): Promise<void> {
    const started = this.monotonicNow();
    this.polling = this.readLog();
    try {
      await this.polling;
      this.lastRefreshedAt = started;
    } finally {
      this.polling = undefined;
    }
  }

  private async readLog(): Promise<void> {
    const repository = this.dataSource.getRepository(Revocation);
    const now = this.clock.now();
    const rows = this.cursor
      ? await repository.find({
          where: { createdAt: MoreThanOrEqual(new Date(this.cursor.getTime() - OVERLAP_MS)) },
          order: { id: "ASC" },
        })
      : await repository.find({ where: { expiresAt: MoreThan(now) }, order: { id: "ASC" } });
    for (const row of rows) {
      const expiresAt = row.expiresAt.getTime();
      if (expiresAt <= now.getTime()) continue;
      if (row.kind === "session") {
        this.revokedSessions.set(row.subject, expiresAt);
      } else if (row.kind === "roles") {
        const known = this.currentRoles.get(row.subject);
        // Later rows win; a re-read older row must not undo a newer role change.
        if (!known || known.id <= row.id) {
          this.currentRoles.set(row.subject, { roles: row.roles ?? [], expiresAt, id: row.id });
        }
      }
      if (!this.cursor || row.createdAt > this.cursor) this.cursor = row.createdAt;
    }
    // Until the log has a row, keep asking for every live row: the cursor must come from the
    // database's clock, never from ours.
    this.forgetExpired(now.getTime());
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
