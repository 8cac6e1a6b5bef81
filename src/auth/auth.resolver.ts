import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { Requires } from "../authorization/requires";
import { rules } from "../authorization/rules";
import type { RequestContext } from "../context/context.type";
import { Cost } from "../graphql/directives";
import type { AuthResult, AuthService } from "./auth.service";
import { AuthPayload, LoginInput, RegisterInput } from "./auth.types";
import { CurrentPrincipal } from "../authorization/current-principal.decorator";
import type { Principal } from "../core/principal";

/** Hands the tokens to the client: in the payload, and the refresh token as its cookie too. */
function deliver(result: AuthResult, context: RequestContext): AuthPayload {
  context.refreshCookie.set(result.refreshToken, result.refreshExpiresIn);
  context.issued.set(result.user, result.principal);
  return Object.assign(new AuthPayload(), {
    accessToken: result.accessToken,
    refreshToken: result.refreshToken,
    tokenType: "Bearer",
    expiresIn: result.expiresIn,
    refreshExpiresIn: result.refreshExpiresIn,
    user: result.user,
  });
}

/** One argon2id hash or verification: tens of milliseconds of a thread-pool thread. */
const PASSWORD_HASHING_COST = 10;

/**
 * Sign-in and token lifecycle. No `@Requires` on register, login, refresh and logout: they must
 * work without an access token (see PUBLIC_OPERATIONS); the rest is guarded.
 */
@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Cost(PASSWORD_HASHING_COST)
  @Mutation(() => AuthPayload, {
    description: "Creates an account with the USER role and signs in.",
  })
  async register(
    @Arg("input", () => RegisterInput) input: RegisterInput,
    @Ctx() context: RequestContext,
  ): Promise<AuthPayload> {
    return deliver(await this.auth.register(input, context.origin), context);
  }

  @Cost(PASSWORD_HASHING_COST)
  @Mutation(() => AuthPayload)
  async login(
    @Arg("input", () => LoginInput) input: LoginInput,
    @Ctx() context: RequestContext,
  ): Promise<AuthPayload> {
    const result = await this.auth.login(input.email, input.password, context.origin, input.scope);
    return deliver(result, context);
  }

  @Mutation(() => AuthPayload, {
    description:
      "Exchanges a refresh token (the argument, or else the refresh cookie) for new tokens. Single use.",
  })
  async refresh(
    @Arg("refreshToken", () => String, { nullable: true }) refreshToken: string | null,
    @Ctx() context: RequestContext,
  ): Promise<AuthPayload> {
    const token = refreshToken ?? context.refreshCookie.read();
    return deliver(await this.auth.refresh(token, context.origin), context);
  }

  @Mutation(() => Boolean, {
    description:
      "Ends the current session (of the bearer token, or of the refresh token or cookie); everywhere: all of the user's sessions.",
  })
  async logout(
    @Arg("refreshToken", () => String, { nullable: true }) refreshToken: string | null,
    @Arg("everywhere", () => Boolean, { defaultValue: false }) everywhere: boolean,
    @Ctx() context: RequestContext,
  ): Promise<boolean> {
    const token = refreshToken ?? context.refreshCookie.read();
    const done = await this.auth.logout(context.principal, token, everywhere, context.origin);
    context.refreshCookie.clear();
    return done;
  }

  @Requires(rules.changePassword)
  @Cost(PASSWORD_HASHING_COST)
  @Mutation(() => Boolean, { description: "Also ends every other session of the user." })
  changePassword(
    @Arg("currentPassword", () => String) currentPassword: string,
    @Arg("newPassword", () => String) newPassword: string,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: RequestContext,
  ): Promise<boolean> {
    return this.auth.changePassword(principal, currentPassword, newPassword, context.origin);
  }
}

/** Operations any anonymous caller may run; the deny-by-default test allows exactly these. */
export const PUBLIC_OPERATIONS: readonly string[] = ["register", "login", "refresh", "logout"];
