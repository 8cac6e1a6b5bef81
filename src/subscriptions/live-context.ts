import type { RefreshCookieJar } from "../context/context.type";
import type { ExecutionBudget } from "../context/execution-budget";
import { IssuedPrincipals } from "../context/issued-principals";
import { RequestLoaders } from "../context/request-loaders";
import { RequestRefusal } from "../context/request-refusal";
import type { Principal } from "../core/principal";
import type { RequestOrigin } from "../core/request-origin";
import type { TaskChangeFeed } from "../tasks/task-change";
import type { LiveRequestContext } from "../tasks/task-events.resolver";

/** No cookies over a socket: sign-in and refresh stay on HTTP. */
const noCookies: RefreshCookieJar = {
  read: () => undefined,
  set: () => undefined,
  clear: () => undefined,
};

/**
 * The context of one operation on a socket. Its principal is read afresh on every access, from
 * the revocation view (roles narrowed, session revoked: null), so the rules on every field of
 * every event are evaluated against the caller as they are now, not as they were at connect.
 */
export class LiveContext implements LiveRequestContext {
  loaders = new RequestLoaders();
  budget: ExecutionBudget;
  readonly refreshCookie = noCookies;
  readonly refusal = new RequestRefusal();
  readonly issued = new IssuedPrincipals();
  readonly taskChanges: TaskChangeFeed;

  constructor(
    private readonly currentPrincipal: () => Principal | null,
    readonly origin: RequestOrigin,
    private readonly newBudget: () => ExecutionBudget,
    feed: (context: LiveContext) => TaskChangeFeed,
  ) {
    this.budget = newBudget();
    this.taskChanges = feed(this);
  }

  get principal(): Principal | null {
    return this.currentPrincipal();
  }

  startEvent(): void {
    this.loaders = new RequestLoaders();
    this.budget = this.newBudget();
  }
}
