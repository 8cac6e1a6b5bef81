import type { GraphQLSchema } from "graphql";
import type { DataSource } from "typeorm";
import { AuthResolver } from "../auth/auth.resolver";
import { BearerAuthentication } from "../auth/bearer-authentication";
import { RefreshCookie } from "../auth/refresh-cookie";
import { SessionResolver } from "../auth/session.resolver";
import { AttemptLimits } from "../rate-limit/attempt-limits";
import { auditRateLimited } from "../rate-limit/rate-limit-audit";
import { rateLimitPlugin } from "../rate-limit/rate-limit.plugin";
import type { RateLimiter } from "../rate-limit/rate-limiter";
import { createRateLimitStore } from "../rate-limit/rate-limit-store";
import type { AppConfig } from "../config/config";
import { contextFactory } from "../context/context.factory";
import type { RequestContext } from "../context/context.type";
import { type Clock, systemClock } from "../core/clock";
import { assertCausalReadsOnGalera } from "../db/galera";
import { databaseUnreachable } from "../db/database-setup-error";
import { migrate } from "../db/migrate";
import { chargeResolvedFields, ExecutionBudgets } from "../request-limits/budget";
import { executionBudgetPlugin } from "../request-limits/budget.plugin";
import { costLimitPlugin } from "../request-limits/cost.plugin";
import { RuntimeHealth } from "../health/runtime-health";
import { createHttpApp, GRAPHQL_PATH } from "../http/http-app";
import { HttpServer } from "../http/http-server";
import { applyServerTimeouts } from "../http/server-timeouts";
import { createLogger, type Logger } from "../logging/logger";
import { DatabaseRevocationView } from "../revocation/database-revocation-view";
import { tasksByOwnerLoader } from "../tasks/task.loaders";
import { TaskResolver } from "../tasks/task.resolver";
import { UserTasksResolver } from "../tasks/user-tasks.resolver";
import type { PasswordHasher } from "../users/password-hasher";
import { userByIdLoader } from "../users/user.loaders";
import { UserResolver } from "../users/user.resolver";
import { UserDirectory } from "../users/user-directory";
import { User } from "../users/user.entity";
import { SessionDirectory } from "../auth/session-directory";
import { Session } from "../auth/session.entity";
import { ResolverContainer } from "./container";
import { createAppDataSource } from "./data-source";
import { Lifecycle, periodic, startable } from "./lifecycle";
import { buildAppSchema } from "./schema";
import { createServices, revocationSettings, type Services } from "./services";
import { createSubscriptionServer, createTaskChangeBus } from "./subscriptions";
import type { SubscriptionLimits } from "../subscriptions/close-codes";
import { LiveSockets } from "../subscriptions/live-sockets";
import type { SubscriptionServer } from "../subscriptions/subscription-server";
import { TaskEventsResolver } from "../tasks/task-events.resolver";

/** Expired revocations, sessions and counters are deleted this often, by any instance. */
const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** How often the counts of refused bearer tokens are logged, when there were any. */
const REFUSAL_REPORT_INTERVAL_MS = 60 * 1000;

export interface AppOverrides {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly hasher?: PasswordHasher;
  readonly dataSource?: DataSource;
  readonly rateLimiter?: RateLimiter;
  /** Tighter socket bounds, for tests (the defaults: subscriptions/close-codes.ts). */
  readonly subscriptionLimits?: Partial<SubscriptionLimits>;
}

export interface RunningApp {
  /** `http://host:port`, with the port the server was given (PORT=0: a free one). */
  readonly url: string;
}

export interface App {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly dataSource: DataSource;
  readonly services: Services;
  /** This instance's view of the revocation log (its age and counts, for health and tests). */
  readonly revocationView: DatabaseRevocationView;
  /** graphql-ws on /graphql: its open sockets, for health and benchmarks. */
  readonly subscriptions: SubscriptionServer;
  /**
   * Starts every part in order: the database (migrated), the revocation view, the fan-out, the
   * rate-limit counters, the password hasher, the purge timer, Apollo, then the HTTP listener.
   */
  start(): Promise<RunningApp>;
  /** Stops them in reverse: HTTP drains in-flight requests first, the database closes last. */
  stop(): Promise<void>;
  /** One round of deleting expired rows (the purge timer runs it every ten minutes). */
  purge(): Promise<void>;
}

/** The composition root: config -> data source -> services -> schema -> HTTP app. */
export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  const lifecycle = new Lifecycle(logger);
  const dataSource = overrides.dataSource ?? createAppDataSource(config.database);
  lifecycle.add(
    "database",
    startable({
      start: async () => {
        if (!dataSource.isInitialized) {
          await dataSource.initialize().catch((error: unknown) => {
            throw databaseUnreachable(config.database, error);
          });
        }
        await assertCausalReadsOnGalera(dataSource);
        await migrate(dataSource, {
          mode: config.migrations.mode,
          waitTimeoutMs: config.migrations.waitTimeoutSeconds * 1000,
          onWaiting: (pending) =>
            logger.info({ pending }, "MIGRATIONS=wait: waiting for the schema to be current"),
        });
      },
      stop: async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
      },
    }),
  );
  const clock = overrides.clock ?? systemClock;
  // The server follows the revocation log; the fan-out (next) applies the others' announcements.
  // The users and sessions behind tokens, from memory; what the view learns reaches them at once.
  const userDirectory = new UserDirectory(dataSource.getRepository(User));
  const sessionDirectory = new SessionDirectory(dataSource.getRepository(Session));
  // Sockets by session: an ended session closes its sockets as soon as the view learns of it.
  const liveSockets = new LiveSockets();
  const revocationView = new DatabaseRevocationView(
    dataSource,
    revocationSettings(config),
    clock,
    logger,
    {
      observer: {
        sessionsEnded: (ids) => {
          ids.forEach((id) => sessionDirectory.ended(id));
          liveSockets.sessionsEnded(ids);
        },
        rolesChanged: (userId) => userDirectory.changed(userId),
      },
    },
  );
  lifecycle.add("revocation view", revocationView);
  const taskChanges = createTaskChangeBus(config, logger);
  lifecycle.add("task changes", taskChanges);
  const services = createServices(config, dataSource, lifecycle, {
    logger,
    clock,
    hasher: overrides.hasher,
    revocationView,
    taskChanges,
  });
  const { audit } = services;

  const rateLimiter = overrides.rateLimiter ?? createRateLimitStore(config, dataSource, logger);
  lifecycle.add("rate-limit counters", rateLimiter);
  const attemptLimits = new AttemptLimits(
    rateLimiter,
    config.rateLimits,
    auditRateLimited(audit),
    logger,
  );
  const { hasher } = services;
  lifecycle.add("password hasher", startable({ start: () => hasher.warmUp() }));

  async function purge(): Promise<void> {
    const revocationRows = await services.revocationLog.purgeExpired();
    // A day past expiry, so `sessions` never forgets a session a client may still present.
    const sessionRows = await services.sessions.purgeExpired(24 * 3600);
    const rateLimitRows = await rateLimiter.purgeExpired();
    if (revocationRows + sessionRows + rateLimitRows > 0) {
      logger.info({ revocationRows, sessionRows, rateLimitRows }, "purged");
    }
  }
  lifecycle.add(
    "purge timer",
    periodic(PURGE_INTERVAL_MS, purge, (error) => logger.warn({ err: error }, "purge failed")),
  );

  const bearer = new BearerAuthentication(
    services.tokens,
    revocationView,
    { sessions: sessionDirectory, users: userDirectory },
    logger,
  );
  let reported = {};
  lifecycle.add(
    "token refusal report",
    periodic(
      REFUSAL_REPORT_INTERVAL_MS,
      () => {
        const counts = bearer.refusals.snapshot();
        if (JSON.stringify(counts) !== JSON.stringify(reported)) {
          logger.info({ tokenRefusals: counts }, "bearer tokens refused since start, by check");
          reported = counts;
        }
        return Promise.resolve();
      },
      () => undefined,
    ),
  );

  const schema = await buildExecutableSchema(services, userDirectory);
  const budgets = new ExecutionBudgets(config.graphqlLimits);
  const health = new RuntimeHealth(logger, revocationView, {
    viewAgeWarnMs: config.revocation.maxStalenessMs,
  });
  lifecycle.add(
    "runtime health",
    startable({
      start: () => Promise.resolve(health.start()),
      stop: () => Promise.resolve(health.stop()),
    }),
  );

  const cookieOptions = { secure: config.env === "production", path: GRAPHQL_PATH };
  const { app, server, apollo } = await createHttpApp({
    schema,
    keys: services.keys,
    logger,
    requestLog: config.requestLog,
    introspection: config.introspection,
    playground: config.playground,
    trustProxy: config.trustProxy,
    plugins: [
      costLimitPlugin({
        maxCost: config.graphqlLimits.maxCost,
        defaultListSize: config.graphqlLimits.defaultPageSize,
        maxListSize: config.graphqlLimits.maxPageSize,
      }),
      rateLimitPlugin(attemptLimits),
      executionBudgetPlugin(logger),
    ],
    suggestions: config.suggestions,
    explainRefusals: config.env !== "production",
    limits: config.graphqlLimits,
    corsOrigins: config.corsOrigins,
    hsts: config.hsts,
    createContext: contextFactory({
      authenticate: (authorization) => bearer.authenticate(authorization),
      refreshCookie: (header, response) => new RefreshCookie(header, response, cookieOptions),
      budget: () => budgets.forRequest(),
    }),
    readiness: () => health.report(),
    isReady: async () => {
      if (!dataSource.isInitialized) return false;
      await dataSource.query("SELECT 1");
      return !(await dataSource.showMigrations());
    },
  });
  lifecycle.add(
    "graphql",
    startable({
      stop: async () => {
        await apollo.stop();
        // The listener is closed by now (HttpServer); this runs fastify's own onClose hooks.
        await app.close();
      },
    }),
  );
  const subscriptions = createSubscriptionServer({
    config,
    logger,
    clock,
    schema,
    services,
    bearer,
    revocationView,
    sockets: liveSockets,
    bus: taskChanges,
    budgets,
    limits: overrides.subscriptionLimits,
  });
  const http = new HttpServer(server, config.port, config.host, (listener) => {
    applyServerTimeouts(listener, config.httpServer, logger);
    subscriptions.attach(listener);
  });
  lifecycle.add("http", http);
  // Stopped before the HTTP listener drains: open sockets would hold its close.
  lifecycle.add("subscriptions", subscriptions);

  return {
    config,
    logger,
    dataSource,
    services,
    revocationView,
    subscriptions,
    start: async () => {
      await lifecycle.start();
      return { url: http.url };
    },
    stop: () => lifecycle.stop(),
    purge,
  };
}

/**
 * The schema the server executes: resolvers built over the services, the application's
 * authorizer, and every resolved field charging its request's run-time budget (context.budget).
 * Also what test/support/execute-as.ts executes in-process.
 */
export async function buildExecutableSchema(
  services: Services,
  userDirectory: UserDirectory,
): Promise<GraphQLSchema> {
  const container = new ResolverContainer()
    .register(AuthResolver, new AuthResolver(services.auth))
    .register(UserResolver, new UserResolver(services.users, userDirectory))
    .register(
      TaskResolver,
      new TaskResolver(services.tasks, userDirectory, userByIdLoader(userDirectory)),
    )
    .register(TaskEventsResolver, new TaskEventsResolver())
    .register(UserTasksResolver, new UserTasksResolver(tasksByOwnerLoader(services.tasks)))
    .register(SessionResolver, new SessionResolver(services.sessions));
  return chargeResolvedFields(
    await buildAppSchema(container, services.authorizer),
    (context) => (context as RequestContext).budget,
  );
}
