import { Arg, Resolver, Root, Subscription } from "type-graphql";
import type { RequestContext } from "../context/context.type";
import { Requires } from "../authorization/requires";
import { rules } from "../authorization/rules";
import { BadRequestError } from "../errors/app-errors";
import { changeVisibleTo, type TaskChange, type TaskChangeFeed } from "./task-change";
import { TaskEvent } from "./task-event.types";

/** The context of an operation run over a WebSocket (subscriptions/ builds it). */
export interface LiveRequestContext extends RequestContext {
  readonly taskChanges: TaskChangeFeed;
  /** Fresh loaders and budget for the next event: each event is executed like a request. */
  startEvent(): void;
}

const OVER_WEBSOCKET_ONLY =
  "Subscriptions are served over WebSocket (graphql-ws) on this path, not over HTTP.";

function isLive(context: RequestContext): context is LiveRequestContext {
  return "taskChanges" in context;
}

@Resolver(() => TaskEvent)
export class TaskEventsResolver {
  @Requires(rules.taskEvents)
  @Subscription(() => TaskEvent, {
    description:
      "Changes to the caller's own tasks; with `all: true` (needs task:read:any) everyone's. " +
      "Only over graphql-ws (the graphql-transport-ws subprotocol) on /graphql.",
    subscribe: ({ args, context }) => {
      const live = context as RequestContext;
      if (!isLive(live)) throw new BadRequestError(OVER_WEBSOCKET_ONLY);
      const all = (args as { all?: boolean | null }).all === true;
      // Each change is asked against the caller as the revocation view knows them now (the
      // context's principal is read afresh): a role removed stops everyone else's tasks at the
      // next event; a revoked session sees nothing more (its socket is being closed). Refuses
      // `all` without task:read:any here, before the stream starts (FORBIDDEN).
      return live.taskChanges.changes(all, {
        accept: (change) => {
          const principal = live.principal;
          return principal !== null && changeVisibleTo(principal, change, all);
        },
        delivered: () => live.startEvent(),
      });
    },
  })
  taskEvents(
    @Root() change: TaskChange | undefined,
    @Arg("all", () => Boolean, { nullable: true, defaultValue: false }) _all: boolean | null,
  ): TaskEvent {
    // Over HTTP, Apollo executes a subscription as a query: no event, only this resolver.
    if (change === undefined) throw new BadRequestError(OVER_WEBSOCKET_ONLY);
    return { kind: change.kind, taskId: change.taskId, task: change.task };
  }
}
