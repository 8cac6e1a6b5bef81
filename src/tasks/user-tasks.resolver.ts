import { Args, Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { CurrentPrincipal } from "../authorization/current-principal.decorator";
import type { RequestContext } from "../context/context.type";
import type { Principal } from "../core/principal";
import { ForbiddenError } from "../errors/app-errors";
import { Paged } from "../graphql/directives";
import { PageArgs } from "../pagination/page.args";
import { User } from "../users/user.entity";
import type { TasksByOwnerLoader } from "./task.loaders";
import { Task } from "./task.entity";
import { taskPolicy } from "./task.policy";

/** `User.tasks` lives with tasks, so that users/ knows nothing of them. */
@Authorized()
@Resolver(() => User)
export class UserTasksResolver {
  constructor(private readonly tasksByOwner: TasksByOwnerLoader) {}

  @Paged()
  @FieldResolver(() => [Task], { description: "The user's tasks, oldest first." })
  tasks(
    @Root() user: User,
    @Args(() => PageArgs) page: PageArgs,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<Task[]> {
    if (!taskPolicy.canListTasksOf(principal, user.id)) throw new ForbiddenError();
    return context.loaders.get(this.tasksByOwner).forPage(page).load(user.id);
  }
}
