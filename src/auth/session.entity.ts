import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { timestampColumn, uuidColumn } from "../db/column-types";

/**
 * A signed-in session: one per login or register, named by the `sid` claim of every access
 * token issued for it. Holds only the SHA-256 of its current refresh token.
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

  @Column({ name: "user_agent", type: "varchar", length: 512, nullable: true })
  userAgent!: string | null;

  @Column(timestampColumn("created_at"))
  createdAt!: Date;

  @Column(timestampColumn("last_used_at"))
  lastUsedAt!: Date;

  /** When the current refresh token stops working. */
  @Column(timestampColumn("expires_at"))
  expiresAt!: Date;

  @Column(timestampColumn("revoked_at", { nullable: true }))
  revokedAt!: Date | null;
}
