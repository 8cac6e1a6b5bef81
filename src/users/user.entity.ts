import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { commaListTransformer, timestampColumn, uuidColumn } from "../db/column-types";
import { Role } from "../core/role";
import { AssumedSize } from "../graphql/directives";
import { Requires } from "../authorization/requires";
import { rules } from "../authorization/rules";

@ObjectType("User")
@Entity({ name: "users" })
@Index("idx_users_created", ["createdAt", "id"])
export class User {
  @Field(() => ID)
  @PrimaryColumn(uuidColumn("id"))
  id!: string;

  /** Another user's email, roles and sign-up time need user:read:any; everyone reads their own. */
  @Requires(rules.readUserPrivate)
  @Field(() => String)
  @Column({ name: "email", type: "varchar", length: 254, unique: true })
  email!: string;

  @Field(() => String, { nullable: true })
  @Column({ name: "display_name", type: "varchar", length: 100, nullable: true })
  displayName!: string | null;

  @Requires(rules.readUserPrivate)
  @AssumedSize(3)
  @Field(() => [Role])
  @Column({ name: "roles", type: "varchar", length: 64, transformer: commaListTransformer })
  roles!: Role[];

  /** argon2id PHC string; never exposed through GraphQL. */
  @Column({ name: "password_hash", type: "varchar", length: 255 })
  passwordHash!: string;

  @Requires(rules.readUserPrivate)
  @Field(() => Date)
  @Column(timestampColumn("created_at"))
  createdAt!: Date;

  @Column(timestampColumn("updated_at"))
  updatedAt!: Date;
}
