import { Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { CurrentPrincipal } from "../authorization/current-principal.decorator";
import type { RequestContext } from "../context/context.type";
import type { LoaderKind } from "../context/request-loaders";
import type { Principal } from "../core/principal";
import { ForbiddenError } from "../errors/app-errors";
import { User } from "../users/user.entity";
import { Task } from "./task.entity";
import { taskPolicy } from "./task.policy";

/** `User.tasks` lives with tasks, so that users/ knows nothing of them. */
@Authorized()
@Resolver(() => User)
export class UserTasksResolver {
  constructor(private readonly tasksByOwner: LoaderKind<string, Task[]>) {}

  @FieldResolver(() => [Task])
  tasks(
    @Root() user: User,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<Task[]> {
    if (!taskPolicy.canListTasksOf(principal, user.id)) throw new ForbiddenError();
    return context.loaders.get(this.tasksByOwner).load(user.id);
  }
}
