import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { CurrentPrincipal } from "../auth/current-principal.decorator";
import type { Principal } from "../auth/principal";
import { requestMeta, type RequestContext } from "../context";
import { ForbiddenError, UnauthenticatedError } from "../errors/app-errors";
import { Paged } from "../graphql/directives";
import { encodeCursor } from "../pagination/cursor";
import { PageArgs } from "../pagination/page.args";
import { Task } from "../tasks/task.entity";
import { taskPolicy } from "../tasks/task.policy";
import { Role } from "./role";
import { User } from "./user.entity";
import type { UserService } from "./user.service";

@Authorized()
@Resolver(() => User)
export class UserResolver {
  constructor(private readonly userService: UserService) {}

  @Query(() => User, { description: "The signed-in user." })
  async me(@CurrentPrincipal() principal: Principal): Promise<User> {
    const user = await this.userService.findById(principal.userId);
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  @Authorized(Role.ADMIN)
  @Paged()
  @Query(() => [User], { description: "Every user, oldest account first." })
  users(@Args(() => PageArgs) page: PageArgs): Promise<User[]> {
    return this.userService.list(page);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, { description: "Replaces the roles of a user." })
  setUserRoles(
    @Arg("userId", () => ID) userId: string,
    @Arg("roles", () => [Role]) roles: Role[],
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<User> {
    return this.userService.setRoles(principal, userId, roles, requestMeta(context));
  }

  @FieldResolver(() => String, {
    description:
      "Where this user sits in the user list: pass it as `after` for the users that follow.",
  })
  cursor(@Root() user: User): string {
    return encodeCursor(user);
  }

  @Paged()
  @FieldResolver(() => [Task], { description: "The user's tasks, oldest first." })
  tasks(
    @Root() user: User,
    @Args(() => PageArgs) page: PageArgs,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<Task[]> {
    if (!taskPolicy.canListTasksOf(principal, user.id)) throw new ForbiddenError();
    return context.loaders.tasksByOwner(page).load(user.id);
  }
}
