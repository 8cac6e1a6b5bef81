import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { RequestContext } from "../context";
import type { AuthResult, AuthService } from "./auth.service";
import { AuthPayload, LoginInput, RegisterInput } from "./auth.types";

function toPayload(result: AuthResult): AuthPayload {
  return Object.assign(new AuthPayload(), { ...result, tokenType: "Bearer" });
}

/** The public entry points: no `@Authorized()` here by design (see PUBLIC_OPERATIONS). */
@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Mutation(() => AuthPayload, {
    description: "Creates an account with the USER role and signs in.",
  })
  async register(
    @Arg("input", () => RegisterInput) input: RegisterInput,
    @Ctx() context: RequestContext,
  ): Promise<AuthPayload> {
    return toPayload(await this.auth.register(input, { userAgent: context.userAgent }));
  }

  @Mutation(() => AuthPayload)
  async login(
    @Arg("input", () => LoginInput) input: LoginInput,
    @Ctx() context: RequestContext,
  ): Promise<AuthPayload> {
    return toPayload(
      await this.auth.login(input.email, input.password, { userAgent: context.userAgent }),
    );
  }
}

/** Operations any anonymous caller may run; the deny-by-default test allows exactly these. */
export const PUBLIC_OPERATIONS: readonly string[] = ["register", "login", "refresh"];
