import type { GraphQLSchema } from "graphql";
import type { BearerAuthentication } from "../auth/bearer-authentication";
import type { AppConfig } from "../config/config";
import type { Clock } from "../core/clock";
import { createFormatError } from "../errors/format-error";
import { GRAPHQL_PATH } from "../http/http-app";
import type { Logger } from "../logging/logger";
import type { ExecutionBudgets } from "../request-limits/budget";
import type { DatabaseRevocationView } from "../revocation/database-revocation-view";
import { DEFAULT_SUBSCRIPTION_LIMITS, type SubscriptionLimits } from "../subscriptions/close-codes";
import type { LiveSockets } from "../subscriptions/live-sockets";
import { RedisTaskChangeRelay, taskChangeChannel } from "../subscriptions/redis-task-change-relay";
import { SubscriptionServer } from "../subscriptions/subscription-server";
import { TaskChangeBus } from "../subscriptions/task-change-bus";
import type { Services } from "./services";

/**
 * Task changes for subscribers: across instances over Redis pub/sub with REDIS_URL; without it
 * only this instance's subscribers hear of this instance's changes (the single-instance limit,
 * logged once, at the first subscription).
 */
export function createTaskChangeBus(config: AppConfig, logger: Logger): TaskChangeBus {
  const relay = config.redisUrl
    ? new RedisTaskChangeRelay(config.redisUrl, taskChangeChannel(config.jwt.issuer), logger)
    : undefined;
  return new TaskChangeBus(logger, relay);
}

export interface SubscriptionParts {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly schema: GraphQLSchema;
  readonly services: Services;
  readonly bearer: BearerAuthentication;
  readonly revocationView: DatabaseRevocationView;
  readonly sockets: LiveSockets;
  readonly bus: TaskChangeBus;
  readonly budgets: ExecutionBudgets;
  readonly limits?: Partial<SubscriptionLimits>;
}

/** graphql-ws on the HTTP server's port and /graphql path, with the HTTP side's checks. */
export function createSubscriptionServer(parts: SubscriptionParts): SubscriptionServer {
  const { config, revocationView, bearer } = parts;
  return new SubscriptionServer({
    path: GRAPHQL_PATH,
    schema: parts.schema,
    logger: parts.logger,
    clock: parts.clock,
    limits: { ...DEFAULT_SUBSCRIPTION_LIMITS, ...parts.limits },
    corsOrigins: config.corsOrigins,
    sockets: parts.sockets,
    graphqlLimits: config.graphqlLimits,
    authorizer: parts.services.authorizer,
    bus: parts.bus,
    authenticate: (authorization) => bearer.authenticate(authorization),
    recheck: (principal) => bearer.recheck(principal),
    current: (principal) => revocationView.check(principal),
    isViewFresh: () => revocationView.viewAgeMs() <= config.revocation.maxStalenessMs,
    awaitFreshView: () => revocationView.awaitFreshView(),
    budget: () => parts.budgets.forRequest(),
    formatError: createFormatError(parts.logger, {
      suggestions: config.suggestions,
      explainRefusals: config.env !== "production",
    }),
  });
}
