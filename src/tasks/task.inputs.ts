import { Field, InputType } from "type-graphql";

@InputType()
export class NewTaskInput {
  @Field(() => String)
  title!: string;
}

@InputType()
export class TaskPatch {
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => Boolean, { nullable: true })
  done?: boolean | null;
}
