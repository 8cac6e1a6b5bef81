import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../context/context.type";
import { Requires } from "../authorization/requires";
import { rules } from "../authorization/rules";
import { CurrentPrincipal } from "../authorization/current-principal.decorator";
import type { Principal } from "../core/principal";
import { AssumedSize } from "../graphql/directives";
import type { SessionService } from "./session.service";
import { SessionView } from "./session.types";

@Resolver(() => SessionView)
export class SessionResolver {
  constructor(private readonly sessionService: SessionService) {}

  // Not paged: a person has a handful of sessions. The estimate assumes 20; a user with
  // thousands (a script logging in for weeks) meets the run-time budget instead.
  @Requires(rules.readOwnSessions)
  @AssumedSize(20)
  @Query(() => [SessionView], { description: "The caller's live sessions, newest first." })
  async sessions(@CurrentPrincipal() principal: Principal): Promise<SessionView[]> {
    const live = await this.sessionService.listLive(principal.userId);
    return live.map((session) =>
      Object.assign(new SessionView(), {
        id: session.id,
        createdAt: session.createdAt,
        lastUsedAt: session.lastUsedAt,
        expiresAt: session.expiresAt,
        userAgent: session.userAgent,
        current: session.id === principal.sessionId,
      }),
    );
  }

  @Requires(rules.revokeOwnSession)
  @Mutation(() => Boolean, { description: "Ends one of the caller's own sessions." })
  revokeSession(
    @Arg("id", () => ID) id: string,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<boolean> {
    return this.sessionService.revokeOwn(principal, id, context.origin);
  }

  @Requires(rules.revokeUserSessions)
  @Mutation(() => Int, { description: "Ends every session of a user; returns how many ended." })
  revokeUserSessions(
    @Arg("userId", () => ID) userId: string,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<number> {
    return this.sessionService.revokeUserSessions(principal, userId, context.origin);
  }
}
