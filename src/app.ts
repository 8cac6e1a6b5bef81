import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { DataSource } from "typeorm";
import { AttemptLimits } from "./abuse/attempt-limits";
import { DatabaseRateLimiter } from "./abuse/database-rate-limiter";
import { auditRateLimited } from "./abuse/rate-limit-audit";
import { rateLimitPlugin } from "./abuse/rate-limit.plugin";
import type { RateLimiter } from "./abuse/rate-limiter";
import { RedisRateLimiter } from "./abuse/redis-rate-limiter";
import { RequestRefusal } from "./abuse/request-refusal";
import { AuditLog } from "./audit/audit-log";
import { AuthResolver } from "./auth/auth.resolver";
import { AuthService } from "./auth/auth.service";
import { KeyRing } from "./auth/key-ring";
import { Argon2PasswordHasher, type PasswordHasher } from "./users/password-hasher";
import { DatabaseRevocationStore } from "./auth/database-revocation-store";
import { RedisRevocationFanout, revocationChannel } from "./auth/redis-revocation-fanout";
import { SessionService } from "./auth/session.service";
import { TokenService } from "./auth/token.service";
import { type Clock, systemClock } from "./core/clock";
import type { AppConfig } from "./config/config";
import { ResolverContainer } from "./container";
import type { Request, Response } from "express";
import { SessionResolver } from "./auth/session.resolver";
import { authenticate, RefreshCookie, type RequestContext } from "./context";
import { createDataSource } from "./db/data-source";
import { requestIdOf } from "./http/request-logging";
import { migrate } from "./db/migrate";
import { createLoaders } from "./loaders";
import { createLogger, type Logger } from "./logger";
import { buildAppSchema } from "./schema";
import { createHttpApp, GRAPHQL_PATH } from "./server";

const PURGE_INTERVAL_MS = 10 * 60 * 1000;
import { Task } from "./tasks/task.entity";
import { TaskResolver } from "./tasks/task.resolver";
import { TaskService } from "./tasks/task.service";
import { User } from "./users/user.entity";
import { UserResolver } from "./users/user.resolver";
import { UserService } from "./users/user.service";

export interface AppOverrides {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly hasher?: PasswordHasher;
  readonly dataSource?: DataSource;
  readonly rateLimiter?: RateLimiter;
}

export interface Services {
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly tokens: TokenService;
  readonly auth: AuthService;
  readonly tasks: TaskService;
}

/** The data layer and the services on it, without any HTTP: what the CLI needs. */
export function createServices(
  config: AppConfig,
  dataSource: DataSource,
  overrides: AppOverrides & { logger: Logger },
) {
  const clock = overrides.clock ?? systemClock;
  const hasher = overrides.hasher ?? new Argon2PasswordHasher();
  const keys = KeyRing.fromConfig(config.jwt, clock);
  const revocations = new DatabaseRevocationStore(
    dataSource,
    {
      ...config.revocation,
      retentionSeconds: config.accessTokenTtlSeconds + config.jwt.clockToleranceSeconds,
    },
    clock,
    overrides.logger,
  );
  // With REDIS_URL, what this instance revokes is also published, once committed, for the others
  // to apply at once; it is started (connected) by `start`, or by the CLI.
  const fanout = config.redisUrl
    ? new RedisRevocationFanout({
        url: config.redisUrl,
        channel: revocationChannel(config.jwt.issuer),
        logger: overrides.logger,
        sink: revocations,
      })
    : undefined;
  if (fanout) revocations.onLocalRevocation((revocation) => void fanout.publish(revocation));
  const audit = new AuditLog(overrides.logger);
  const users = new UserService(dataSource.getRepository(User), hasher, clock, revocations, audit);
  const sessions = new SessionService(
    dataSource,
    revocations,
    clock,
    {
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      sessionMaxLifetimeSeconds: config.sessionMaxLifetimeSeconds,
    },
    audit,
  );
  const tokens = new TokenService(
    keys,
    {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      clockToleranceSeconds: config.jwt.clockToleranceSeconds,
    },
    clock,
  );
  const auth = new AuthService(users, sessions, tokens, clock, audit);
  const tasks = new TaskService(dataSource.getRepository(Task), clock);
  const services: Services = { users, sessions, tokens, auth, tasks };
  return { services, keys, hasher, revocations, fanout, audit, clock };
}

export interface RunningApp {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The composition root: config -> data source -> services -> schema -> HTTP app.
 * `start` connects and migrates; `listen` serves; `close` drains and disconnects.
 */
export async function createApp(config: AppConfig, overrides: AppOverrides = {}) {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const dataSource = overrides.dataSource ?? createDataSource(config.database);
  const { services, keys, hasher, revocations, fanout, audit, clock } = createServices(
    config,
    dataSource,
    {
      ...overrides,
      logger,
    },
  );

  const container = new ResolverContainer()
    .register(AuthResolver, new AuthResolver(services.auth))
    .register(UserResolver, new UserResolver(services.users))
    .register(TaskResolver, new TaskResolver(services.tasks))
    .register(SessionResolver, new SessionResolver(services.sessions));
  const schema = await buildAppSchema(container);

  // Counters live where every instance sees them: Redis when configured, else the database.
  const windowMs = config.rateLimits.windowSeconds * 1000;
  const rateLimiter =
    overrides.rateLimiter ??
    (config.redisUrl
      ? new RedisRateLimiter({
          url: config.redisUrl,
          keyPrefix: `${config.jwt.issuer}:rate-limit:`,
          windowMs,
          clock,
          logger,
        })
      : new DatabaseRateLimiter(dataSource, windowMs, clock));
  const attemptLimits = new AttemptLimits(
    rateLimiter,
    config.rateLimits,
    auditRateLimited(audit),
    logger,
    clock,
  );

  const cookieOptions = { secure: config.env === "production", path: GRAPHQL_PATH };
  const createContext = (req: Request, res: Response): Promise<RequestContext> =>
    Promise.resolve({
      principal: authenticate(req.headers, services.tokens, revocations),
      origin: {
        requestId: requestIdOf(req),
        // Behind a proxy, the proxy's address unless TRUST_PROXY names it (express "trust proxy").
        clientAddress: req.ip ?? req.socket.remoteAddress ?? null,
        userAgent: req.headers["user-agent"] ?? null,
      },
      loaders: createLoaders(services.users, services.tasks),
      refreshCookie: new RefreshCookie(req.headers.cookie, res, cookieOptions),
      refusal: new RequestRefusal(),
    });

  const { app, apollo } = await createHttpApp({
    schema,
    keys,
    logger,
    introspection: config.introspection,
    playground: config.playground,
    trustProxy: config.trustProxy,
    plugins: [rateLimitPlugin(attemptLimits)],
    suggestions: config.suggestions,
    limits: config.graphqlLimits,
    corsOrigins: config.corsOrigins,
    hsts: config.hsts,
    createContext,
    isReady: async () => {
      if (!dataSource.isInitialized) return false;
      await dataSource.query("SELECT 1");
      return !(await dataSource.showMigrations());
    },
  });

  let purgeTimer: NodeJS.Timeout | undefined;
  async function purge(): Promise<void> {
    const revocationRows = await revocations.purgeExpired();
    // A day past expiry, so `sessions` never forgets a session a client may still present.
    const sessionRows = await services.sessions.purgeExpired(24 * 3600);
    const rateLimitRows = await rateLimiter.purgeExpired();
    if (revocationRows + sessionRows + rateLimitRows > 0) {
      logger.info({ revocationRows, sessionRows, rateLimitRows }, "purged");
    }
  }

  async function start(): Promise<void> {
    if (!dataSource.isInitialized) await dataSource.initialize();
    await migrate(dataSource);
    await revocations.start();
    // Never throws: without Redis, revocations still arrive through the log within a second.
    await fanout?.start();
    await rateLimiter.start();
    if (hasher instanceof Argon2PasswordHasher) await hasher.warmUp();
    purgeTimer = setInterval(() => {
      purge().catch((error: unknown) => logger.warn({ err: error }, "purge failed"));
    }, PURGE_INTERVAL_MS);
    purgeTimer.unref();
  }

  async function listen(port = config.port, host = config.host): Promise<RunningApp> {
    const server: Server = await new Promise((resolve, reject) => {
      const listening = app.listen(port, host, () => resolve(listening));
      listening.once("error", reject);
    });
    const address = server.address() as AddressInfo;
    const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return {
      url: `http://${shownHost}:${address.port}`,
      port: address.port,
      close: async () => {
        await new Promise<void>((resolve) => {
          // A keep-alive connection whose request finishes during the drain turns idle and would
          // hold the close until its keep-alive timeout: close such connections as they go idle.
          const sweeper = setInterval(() => server.closeIdleConnections(), 50);
          server.close(() => {
            clearInterval(sweeper);
            resolve();
          });
          server.closeIdleConnections();
        });
        await apollo.stop();
        clearInterval(purgeTimer);
        await fanout?.stop();
        await rateLimiter.stop();
        await revocations.stop();
        if (dataSource.isInitialized) await dataSource.destroy();
      },
    };
  }

  return { config, logger, audit, dataSource, services, keys, revocations, start, listen, purge };
}

export type App = Awaited<ReturnType<typeof createApp>>;
