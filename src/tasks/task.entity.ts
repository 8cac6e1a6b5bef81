import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { timestampColumn, uuidColumn } from "../db/column-types";

@ObjectType("Task")
@Entity({ name: "tasks" })
@Index("idx_tasks_owner_created", ["ownerId", "createdAt", "id"])
@Index("idx_tasks_created", ["createdAt", "id"])
export class Task {
  @Field(() => ID)
  @PrimaryColumn(uuidColumn("id"))
  id!: string;

  @Field(() => String)
  @Column({ name: "title", type: "varchar", length: 200 })
  title!: string;

  @Field(() => Boolean)
  @Column({ name: "done", type: "boolean", default: false })
  done!: boolean;

  /** Resolved to `owner: User!` by the task resolver. */
  @Index("idx_tasks_owner_id")
  @Column(uuidColumn("owner_id"))
  ownerId!: string;

  @Field(() => Date)
  @Column(timestampColumn("created_at"))
  createdAt!: Date;

  @Field(() => Date)
  @Column(timestampColumn("updated_at"))
  updatedAt!: Date;
}
