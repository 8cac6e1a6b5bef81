import { type DataSource, type EntityManager, LessThan } from "typeorm";
import type { Clock } from "../core/clock";
import type { Role } from "../core/role";
import { retryOnConflict } from "../db/retry";
import type { Logger } from "../logging/logger";
import { Revocation } from "./revocation.entity";
import type { RevocationFanout } from "./revocation-fanout";
import type { RevocationLog } from "./revocation-log";
import { isEmptyNotice, type RevocationNotice } from "./revocation-notice";
import { nextRevocationSequence } from "./revocation-sequence";
import type { LocalRevocations } from "./revocation-view";

/** Rows per INSERT statement: SQLite binds at most 32,766 parameters in one statement. */
const INSERT_CHUNK_ROWS = 1_000;

export interface RevocationLogSettings {
  /** How long a revocation must be remembered: the longest an access token lives, plus skew. */
  readonly retentionSeconds: number;
}

/**
 * The `revocations` table as the write side sees it: rows stamped with the revoking
 * transaction's commit sequence (revocation-sequence.ts), which every instance's view follows.
 */
export class DatabaseRevocationLog implements RevocationLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: RevocationLogSettings,
    private readonly clock: Clock,
    private readonly fanout: RevocationFanout,
    private readonly logger: Logger,
    /** This instance's view, when it has one (the CLI has none). */
    private readonly local?: LocalRevocations,
  ) {}

  /** Under one sequence number, whatever their count (it takes the counter row: call it last). */
  async recordSessions(manager: EntityManager, sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    const expiresAt = this.expiry();
    const seq = await nextRevocationSequence(manager);
    for (let start = 0; start < sessionIds.length; start += INSERT_CHUNK_ROWS) {
      await manager.insert(
        Revocation,
        sessionIds.slice(start, start + INSERT_CHUNK_ROWS).map((subject) => ({
          kind: "session" as const,
          subject,
          roles: null,
          expiresAt,
          seq,
        })),
      );
    }
  }

  async recordRoles(manager: EntityManager, userId: string, roles: readonly Role[]): Promise<void> {
    const expiresAt = this.expiry();
    const seq = await nextRevocationSequence(manager);
    await manager.insert(Revocation, {
      kind: "roles",
      subject: userId,
      roles: [...roles],
      expiresAt,
      seq,
    });
  }

  committed(notice: RevocationNotice): void {
    if (isEmptyNotice(notice)) return;
    this.local?.applyLocally(notice);
    // Committed and applied here already; the log carries it to the others if this fails.
    this.fanout.publish(notice).catch((error: unknown) => {
      this.logger.warn({ err: error }, "revocation fan-out failed");
    });
  }

  /** Any instance may run it, at the same time too. */
  async purgeExpired(): Promise<number> {
    const result = await retryOnConflict(() =>
      this.dataSource.getRepository(Revocation).delete({ expiresAt: LessThan(this.clock.now()) }),
    );
    return result.affected ?? 0;
  }

  private expiry(): Date {
    return new Date(this.clock.now().getTime() + this.settings.retentionSeconds * 1000);
  }
}
