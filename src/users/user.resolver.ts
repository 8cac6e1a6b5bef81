import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { CurrentPrincipal } from "../authorization/current-principal.decorator";
import type { Principal } from "../core/principal";
import type { RequestContext } from "../context/context.type";
import { UnauthenticatedError } from "../errors/app-errors";
import { Paged } from "../graphql/directives";
import { encodeCursor } from "../pagination/cursor";
import { PageArgs } from "../pagination/page.args";
import { Role } from "../core/role";
import { Requires } from "../authorization/requires";
import { rules } from "../authorization/rules";
import { User } from "./user.entity";
import type { UserDirectory } from "./user-directory";
import type { UserService } from "./user.service";

@Resolver(() => User)
export class UserResolver {
  constructor(
    private readonly userService: UserService,
    private readonly directory: UserDirectory,
  ) {}

  @Requires(rules.signedIn)
  @Query(() => User, { description: "The signed-in user." })
  async me(@CurrentPrincipal() principal: Principal): Promise<User> {
    // Authentication has just found the user there; the row comes from the same memory.
    const user = await this.directory.get(principal.userId);
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  @Requires(rules.listUsers)
  @Paged()
  @Query(() => [User], { description: "Every user, oldest account first." })
  users(@Args(() => PageArgs) page: PageArgs): Promise<User[]> {
    return this.userService.list(page);
  }

  @Requires(rules.setUserRoles)
  @Mutation(() => User, { description: "Replaces the roles of a user." })
  setUserRoles(
    @Arg("userId", () => ID) userId: string,
    @Arg("roles", () => [Role]) roles: Role[],
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<User> {
    return this.userService.setRoles(principal, userId, roles, context.origin);
  }

  @Requires(rules.readUserPrivate)
  @FieldResolver(() => String, {
    description:
      "Where this user sits in the user list: pass it as `after` for the users that follow.",
  })
  cursor(@Root() user: User): string {
    return encodeCursor(user);
  }
}
