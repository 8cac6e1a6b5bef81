import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { CurrentPrincipal } from "../authorization/current-principal.decorator";
import type { Principal } from "../core/principal";
import type { RequestContext } from "../context/context.type";
import { UnauthenticatedError } from "../errors/app-errors";
import { Role } from "../core/role";
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
  @Query(() => [User])
  users(): Promise<User[]> {
    return this.userService.list();
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, { description: "Replaces the roles of a user." })
  setUserRoles(
    @Arg("userId", () => ID) userId: string,
    @Arg("roles", () => [Role]) roles: Role[],
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<User> {
    return this.userService.setRoles(principal, userId, roles, context.origin);
  }
}
