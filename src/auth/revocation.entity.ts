import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import { commaListTransformer, timestampColumn } from "../db/column-types";
import type { Role } from "../core/role";

export type RevocationKind = "session" | "roles";

/**
 * The revocation log every instance follows: a revoked session (its access tokens are refused),
 * or a user's new roles (roles their older access tokens claim beyond these are not honoured).
 * Rows expire with the access tokens they cover and are then purged.
 */
@Entity({ name: "revocations" })
export class Revocation {
  @PrimaryGeneratedColumn("increment", { name: "id" })
  id!: number;

  @Column({ name: "kind", type: "varchar", length: 16 })
  kind!: RevocationKind;

  /** A session id for `session`, a user id for `roles`. */
  @Column({ name: "subject", type: "varchar", length: 64 })
  subject!: string;

  @Column({
    name: "roles",
    type: "varchar",
    length: 64,
    nullable: true,
    transformer: commaListTransformer,
  })
  roles!: Role[] | null;

  /** Set by the database's clock on insert. */
  @Column(timestampColumn("created_at", { insert: false, update: false }))
  createdAt!: Date;

  @Column(timestampColumn("expires_at"))
  expiresAt!: Date;
}
