import type { DataSource } from "typeorm";
import { AuditLog } from "../audit/audit-log";
import { Authorizer } from "../authorization/auth.checker";
import { AuthService } from "../auth/auth.service";
import { DatabaseRevocationLog } from "../revocation/database-revocation-log";
import {
  type DatabaseRevocationView,
  type RevocationSettings,
} from "../revocation/database-revocation-view";
import { createRevocationFanout } from "../revocation/create-revocation-fanout";
import type { RevocationLog } from "../revocation/revocation-log";
import { KeyRing } from "../auth/key-ring";
import { SessionService } from "../auth/session.service";
import { TokenService } from "../auth/token.service";
import type { AppConfig } from "../config/config";
import { type Clock, systemClock } from "../core/clock";
import type { Logger } from "../logging/logger";
import { Task } from "../tasks/task.entity";
import { TaskService } from "../tasks/task.service";
import type { TaskChangeSink } from "../tasks/task-change";
import { Argon2PasswordHasher, type PasswordHasher } from "../users/password-hasher";
import { QueuedPasswordHasher } from "../users/queued-password-hasher";
import { User } from "../users/user.entity";
import { UserService } from "../users/user.service";
import type { Lifecycle } from "./lifecycle";

/** The services of the application, built once with explicit constructor arguments. */
export interface Services {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly authorizer: Authorizer;
  readonly keys: KeyRing;
  /** Every hash and verification goes through its bounded queue. */
  readonly hasher: QueuedPasswordHasher;
  readonly revocationLog: RevocationLog;
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly tokens: TokenService;
  readonly auth: AuthService;
  readonly tasks: TaskService;
}

export interface ServiceOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly hasher?: PasswordHasher;
  /**
   * A server's view of the revocation log: what this instance revokes takes effect there at once,
   * and what the others announce is applied there. The CLI has none: it only announces its own
   * revocations, through the same log and fan-out.
   */
  readonly revocationView?: DatabaseRevocationView;
  /** Where task changes go for subscribers (a server's bus); nowhere for the CLI. */
  readonly taskChanges?: TaskChangeSink;
}

/**
 * The data layer's services, without any HTTP: what the server and the CLI share. The part that
 * holds resources (the revocation fan-out) joins the lifecycle.
 */
export function createServices(
  config: AppConfig,
  dataSource: DataSource,
  lifecycle: Lifecycle,
  options: ServiceOptions,
): Services {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const hasher = new QueuedPasswordHasher(
    options.hasher ?? new Argon2PasswordHasher(),
    config.passwordHashing,
  );
  const keys = KeyRing.fromConfig(config.jwt, clock);
  const fanout = createRevocationFanout(config, logger, options.revocationView);
  // Never throws: without Redis, revocations still arrive through the log within a second.
  lifecycle.add("revocation fan-out", fanout);
  const revocationLog = new DatabaseRevocationLog(
    dataSource,
    revocationSettings(config),
    clock,
    fanout,
    logger,
    options.revocationView,
  );
  const audit = new AuditLog(logger);
  const pageLimits = {
    defaultSize: config.graphqlLimits.defaultPageSize,
    maxSize: config.graphqlLimits.maxPageSize,
  };
  const users = new UserService(
    dataSource.getRepository(User),
    hasher,
    clock,
    revocationLog,
    audit,
    pageLimits,
  );
  const authorizer = new Authorizer(audit);
  const sessions = new SessionService(
    dataSource,
    revocationLog,
    clock,
    {
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      sessionMaxLifetimeSeconds: config.sessionMaxLifetimeSeconds,
    },
    audit,
    authorizer,
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
  const tasks = new TaskService(
    dataSource.getRepository(Task),
    clock,
    pageLimits,
    authorizer,
    options.taskChanges,
  );
  return {
    clock,
    audit,
    authorizer,
    keys,
    hasher,
    revocationLog,
    users,
    sessions,
    tokens,
    auth,
    tasks,
  };
}

/** How the view and the log keep revocations: as long as the longest access token lives. */
export function revocationSettings(config: AppConfig): RevocationSettings {
  return {
    ...config.revocation,
    retentionSeconds: config.accessTokenTtlSeconds + config.jwt.clockToleranceSeconds,
  };
}
