import { Field, InputType, Int, ObjectType } from "type-graphql";
import { User } from "../users/user.entity";

@ObjectType()
export class AuthPayload {
  @Field(() => String, {
    description: "A JWT (RFC 9068 access token) for the Authorization header.",
  })
  accessToken!: string;

  @Field(() => String, { description: "Opaque and single use; exchange it with `refresh`." })
  refreshToken!: string;

  @Field(() => String, { description: 'Always "Bearer".' })
  tokenType!: string;

  @Field(() => Int, { description: "Access token lifetime in seconds." })
  expiresIn!: number;

  @Field(() => Int, { description: "Refresh token lifetime in seconds." })
  refreshExpiresIn!: number;

  @Field(() => User)
  user!: User;
}

@InputType()
export class RegisterInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String, { nullable: true })
  displayName?: string | null;
}

@InputType()
export class LoginInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Narrows the session to these permissions (space-separated, e.g. "task:read"); never widens what the roles grant. Refresh keeps it.',
  })
  scope?: string | null;
}
