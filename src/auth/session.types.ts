import { Field, ID, ObjectType } from "type-graphql";

@ObjectType("Session", { description: "A signed-in device or browser." })
export class SessionView {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  lastUsedAt!: Date;

  @Field(() => Date, { description: "When its refresh token stops working unless used." })
  expiresAt!: Date;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => Boolean, {
    description: "Whether this is the session of the token making the request.",
  })
  current!: boolean;
}
