import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { DataSource } from "typeorm";
import { AuthResolver } from "./auth/auth.resolver";
import { AuthService } from "./auth/auth.service";
import { KeyRing } from "./auth/key-ring";
import { Argon2PasswordHasher, type PasswordHasher } from "./auth/password-hasher";
import { Session } from "./auth/session.entity";
import { SessionService } from "./auth/session.service";
import { TokenService } from "./auth/token.service";
import { type Clock, systemClock } from "./clock";
import type { AppConfig } from "./config/config";
import { ResolverContainer } from "./container";
import { authenticate, type RequestContext } from "./context";
import { createDataSource } from "./db/data-source";
import { migrate } from "./db/migrate";
import { createLoaders } from "./loaders";
import { createLogger, type Logger } from "./logger";
import { buildAppSchema } from "./schema";
import { createHttpApp } from "./server";
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
  overrides: AppOverrides = {},
) {
  const clock = overrides.clock ?? systemClock;
  const hasher = overrides.hasher ?? new Argon2PasswordHasher();
  const keys = KeyRing.fromConfig(config.jwt);
  const users = new UserService(dataSource.getRepository(User), hasher, clock);
  const sessions = new SessionService(
    dataSource.getRepository(Session),
    clock,
    config.refreshTokenTtlSeconds,
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
  const auth = new AuthService(users, sessions, tokens, config.refreshTokenTtlSeconds);
  const tasks = new TaskService(dataSource.getRepository(Task), clock);
  const services: Services = { users, sessions, tokens, auth, tasks };
  return { services, keys, hasher };
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
  const { services, keys, hasher } = createServices(config, dataSource, overrides);

  const container = new ResolverContainer()
    .register(AuthResolver, new AuthResolver(services.auth))
    .register(UserResolver, new UserResolver(services.users))
    .register(TaskResolver, new TaskResolver(services.tasks));
  const schema = await buildAppSchema(container);

  const createContext = (req: {
    headers: import("node:http").IncomingHttpHeaders;
  }): Promise<RequestContext> =>
    Promise.resolve({
      principal: authenticate(req.headers, services.tokens),
      userAgent: req.headers["user-agent"] ?? null,
      loaders: createLoaders(services.users, services.tasks),
    });

  const { app, apollo } = await createHttpApp({
    schema,
    keys,
    logger,
    introspection: config.introspection,
    landingPage: config.env !== "production",
    createContext,
    isReady: async () => {
      if (!dataSource.isInitialized) return false;
      await dataSource.query("SELECT 1");
      return !(await dataSource.showMigrations());
    },
  });

  async function start(): Promise<void> {
    if (!dataSource.isInitialized) await dataSource.initialize();
    await migrate(dataSource);
    if (hasher instanceof Argon2PasswordHasher) await hasher.warmUp();
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
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await apollo.stop();
        if (dataSource.isInitialized) await dataSource.destroy();
      },
    };
  }

  return { config, logger, dataSource, services, keys, start, listen };
}

export type App = Awaited<ReturnType<typeof createApp>>;
