import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import { commaListTransformer, timestampColumn } from "../db/column-types";
import type { Role } from "../core/role";

export type RevocationKind = "session" | "roles";

/**
 * The revocation log every instance follows: a revoked session (its access tokens are refused),
 * or a user's new roles (roles their older access tokens claim beyond these are not honoured).
 * Rows expire with the access tokens they cover and are then purged. Followers read it by `seq`,
 * not by `id`: ids are handed out before commit, in no useful order across Galera nodes.
 */
@Entity({ name: "revocations" })
export class Revocation {
  @PrimaryGeneratedColumn("increment", { name: "id" })
  id!: number;

  /**
   * The number of the transaction that wrote the row, in commit order (see
   * revocation-sequence.ts); the rows of one transaction share it. MySQL returns BIGINT as a
   * string.
   */
  @Column({ name: "seq", type: "bigint" })
  seq!: number | string;

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
