import { ArgsType, Field, Int } from "type-graphql";
import type { PageArguments } from "./page";

/** `first` and `after` on every paged list; both optional, so callers without them keep working. */
@ArgsType()
export class PageArgs implements PageArguments {
  @Field(() => Int, {
    nullable: true,
    description:
      "How many items to return (from 0 to the server's maximum page size); without it, the server's default page size.",
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "A `cursor` from an earlier page: return the items that follow it.",
  })
  after?: string | null;
}
