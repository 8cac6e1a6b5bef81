import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Task } from "./task.entity";
import { TaskEventKind } from "./task-change";

registerEnumType(TaskEventKind, { name: "TaskEventKind" });

@ObjectType("TaskEvent", { description: "A change to a task the subscriber may read." })
export class TaskEvent {
  @Field(() => TaskEventKind)
  kind!: TaskEventKind;

  @Field(() => ID)
  taskId!: string;

  @Field(() => Task, {
    nullable: true,
    description: "The task after the change; null for DELETED.",
  })
  task!: Task | null;
}
