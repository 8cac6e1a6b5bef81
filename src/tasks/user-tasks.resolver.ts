import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../context/context.type";
import { Requires } from "../authorization/requires";
import { rules } from "../authorization/rules";
import { Paged } from "../graphql/directives";
import { PageArgs } from "../pagination/page.args";
import { User } from "../users/user.entity";
import type { TasksByOwnerLoader } from "./task.loaders";
import { Task } from "./task.entity";

/** `User.tasks` lives with tasks, so that users/ knows nothing of them. */
@Resolver(() => User)
export class UserTasksResolver {
  constructor(private readonly tasksByOwner: TasksByOwnerLoader) {}

  @Requires(rules.readUsersTasks)
  @Paged()
  @FieldResolver(() => [Task], { description: "The user's tasks, oldest first." })
  tasks(
    @Root() user: User,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() context: RequestContext,
  ): Promise<Task[]> {
    return context.loaders.get(this.tasksByOwner).forPage(page).load(user.id);
  }
}
