import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { timestampColumn, uuidColumn } from "../db/column-types";

export type SessionEndReason =
  "logout" | "logout-everywhere" | "password-changed" | "admin" | "reuse-detected" | "revoked";

/**
 * A signed-in session: one per login or register, named by the `sid` claim of every access
 * token issued for it. Holds only SHA-256 hashes of its current and previous refresh tokens.
 */
@Entity({ name: "sessions" })
export class Session {
  @PrimaryColumn(uuidColumn("id"))
  id!: string;

  @Index("idx_sessions_user_id")
  @Column(uuidColumn("user_id"))
  userId!: string;

  @Column({ name: "refresh_token_hash", type: "varchar", length: 64, unique: true })
  refreshTokenHash!: string;

  /** The token the current one replaced, honoured again only within the reuse grace period. */
  @Column({ name: "previous_token_hash", type: "varchar", length: 64, nullable: true })
  previousTokenHash!: string | null;

  @Column(timestampColumn("rotated_at", { nullable: true }))
  rotatedAt!: Date | null;

  /** Per-session key that authenticates and derives its refresh tokens (see refresh-token.ts). */
  @Column({ name: "rotation_key", type: "varchar", length: 64 })
  rotationKey!: string;

  /** What the session was narrowed to at login (space-separated permission names), or null. */
  @Column({ name: "scope", type: "varchar", length: 1024, nullable: true })
  scope!: string | null;

  @Column({ name: "user_agent", type: "varchar", length: 512, nullable: true })
  userAgent!: string | null;

  @Column(timestampColumn("created_at"))
  createdAt!: Date;

  @Column(timestampColumn("last_used_at"))
  lastUsedAt!: Date;

  /** When the current refresh token stops working. */
  @Column(timestampColumn("expires_at"))
  expiresAt!: Date;

  /** No refresh extends the session past this. */
  @Column(timestampColumn("absolute_expires_at", { nullable: true }))
  absoluteExpiresAt!: Date | null;

  @Column(timestampColumn("revoked_at", { nullable: true }))
  revokedAt!: Date | null;

  @Column({ name: "revoked_reason", type: "varchar", length: 32, nullable: true })
  revokedReason!: SessionEndReason | null;
}
