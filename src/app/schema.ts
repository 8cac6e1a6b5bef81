import { DateTimeResolver } from "graphql-scalars";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type ContainerType, registerEnumType } from "type-graphql";
import { Role } from "../core/role";
import { Authorizer } from "../authorization/auth.checker";
import { enforceRules } from "../authorization/enforce-rules";
import { AuthResolver } from "../auth/auth.resolver";
import { InternalError } from "../errors/app-errors";
import { schemaDirectives } from "../graphql/directives";
import { translateDatabaseErrors } from "../graphql/database-errors";
import { SessionResolver } from "../auth/session.resolver";
import { TaskResolver } from "../tasks/task.resolver";
import { TaskEventsResolver } from "../tasks/task-events.resolver";
import { UserTasksResolver } from "../tasks/user-tasks.resolver";
import { UserResolver } from "../users/user.resolver";

// Role stays a plain enum for the services and the CLI; only the schema needs to know its name.
registerEnumType(Role, { name: "Role" });

export const resolvers = [
  AuthResolver,
  UserResolver,
  TaskResolver,
  TaskEventsResolver,
  UserTasksResolver,
  SessionResolver,
] as const;

/**
 * type-graphql wants a PubSub as soon as a schema has a subscription, even though `taskEvents`
 * brings its own `subscribe` (the socket's feed, subscriptions/): this one is never used.
 */
const unusedPubSub = {
  publish: () => {
    throw new InternalError("Subscriptions read the socket's feed, not a PubSub");
  },
  subscribe: () => {
    throw new InternalError("Subscriptions read the socket's feed, not a PubSub");
  },
};

/** Resolver instances come from the composition root; building the schema alone needs none. */
const noContainer: ContainerType = {
  get: (type: { name?: string }) => {
    throw new InternalError(`No container: cannot create ${type.name ?? "a resolver"}`);
  },
};

/** The authorizer is the application's (it writes audit lines); printing the schema needs none. */
export async function buildAppSchema(
  container: ContainerType = noContainer,
  authorizer: Authorizer = new Authorizer(),
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    container,
    directives: [...schemaDirectives],
    pubSub: unusedPubSub,
    // The contract names the scalar DateTime; type-graphql 2 would call it DateTimeISO.
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Input rules live in the services, where `npm run user:add` shares them.
    validate: false,
  });
  // Rules are checked by enforceRules, synchronously, rather than by type-graphql's checker.
  return translateDatabaseErrors(enforceRules(schema, authorizer));
}
