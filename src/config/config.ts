import { KeyObject } from "node:crypto";
import { availableParallelism } from "node:os";
import { ConfigError } from "./config-error";
import { developmentSecret } from "./dev-secret";
import { MIN_SECRET_BYTES } from "./key-material";
import type { LogFormat } from "../logging/logger";
import type { DatabaseConfig, MigrationMode, TrustProxy } from "./parsers";
import { checkPreviousKeys, type JwtKeys, type JwtKeySource, parseJwtKeys } from "./signing-keys";
import { type Env, variableReader } from "./variable-reader";
import type { VariableName } from "./variables";

export { ConfigError } from "./config-error";
export { type PreviousKeyConfig, secretWeakness } from "./key-material";
export {
  type DatabaseConfig,
  parseByteSize,
  parseTrustProxy,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type TrustProxy,
} from "./parsers";
export { jwtKeysOf, type JwtKeys, type SigningKey, type VerificationKey } from "./signing-keys";
export type { Env } from "./variable-reader";

/**
 * What an instance does with pending migrations at start: `auto` applies them under a named
 * lock (one server; refused on a Galera node, where that lock is per node), `run` applies them
 * (the one designated instance of a cluster), `wait` applies none and waits until they are.
 */
export { MIGRATION_MODES, type MigrationMode } from "./parsers";

export interface AppConfig {
  readonly env: "development" | "production" | "test";
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  readonly migrations: {
    readonly mode: MigrationMode;
    /** How long `wait` waits for the schema to be current before the instance gives up. */
    readonly waitTimeoutSeconds: number;
  };
  readonly jwt: JwtConfig;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  /** No refresh keeps a session alive past this, counted from sign-in. */
  readonly sessionMaxLifetimeSeconds: number;
  readonly revocation: {
    readonly pollIntervalMs: number;
    readonly maxStalenessMs: number;
  };
  /**
   * Redis to fan revocations out through (pub/sub), so other instances apply them within
   * milliseconds. Optional: the revocation log alone keeps the one-second bound.
   */
  readonly redisUrl?: string;
  /** Sign-in and refresh attempts per fixed window; a limit of 0 turns that one off. */
  readonly rateLimits: RateLimitConfig;
  /**
   * Which proxies in front of the server are trusted to report the client's address in
   * X-Forwarded-For, as proxy-addr (express's and fastify's `trust proxy`) reads it: false (none), true (any: only behind a
   * proxy that overwrites the header), a number of hops, or addresses and subnets.
   */
  readonly trustProxy: TrustProxy;
  readonly introspection: boolean;
  /** Serve the GraphiQL playground on browser GETs of /graphql; it needs introspection. */
  readonly playground: boolean;
  /** Whether validation errors may say "Did you mean ...?", naming fields the caller did not ask for. */
  readonly suggestions: boolean;
  readonly graphqlLimits: GraphQLLimits;
  /** Timeouts and the connection bound of the HTTP server (see http/server-timeouts.ts). */
  readonly httpServer: HttpServerLimits;
  /** Exact origins allowed to call the API from a browser; empty: no CORS headers at all. */
  readonly corsOrigins: readonly string[];
  /** Send Strict-Transport-Security (only meaningful behind HTTPS). */
  readonly hsts: boolean;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  /** Which requests get a line in the request log (see http/request-logging.ts). */
  readonly requestLog: { readonly sampleRate: number; readonly slowMs: number };
  /** Argon2 operations at once, and how many may wait for one (see users/queued-password-hasher.ts). */
  readonly passwordHashing: { readonly concurrency: number; readonly queue: number };
  readonly dataDir: string;
  /** Where the generated development secret is kept, and whether this start made it. */
  readonly developmentSecret?: { readonly file: string; readonly created: boolean };
}

export interface JwtConfig extends JwtKeySource {
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  /** The configured keys, parsed and checked: what the key ring signs and verifies with. */
  readonly keys: JwtKeys;
}

export interface RateLimitConfig {
  readonly windowSeconds: number;
  /** login and register attempts naming one email, and changePassword attempts of one user. */
  readonly loginPerAccount: number;
  /** login, register and changePassword attempts from one client address (an IPv6 /64). */
  readonly loginPerAddress: number;
  /** refresh attempts presenting one session's refresh token. */
  readonly refreshPerSession: number;
  /** refresh attempts from one client address (an IPv6 /64). */
  readonly refreshPerAddress: number;
}

/** Bounds on one HTTP request to /graphql, each refused before any resolver runs. */
export interface GraphQLLimits {
  /** Nesting of fields, introspection excepted (graphql-js bounds introspection itself). */
  readonly maxDepth: number;
  /**
   * Estimated cost of one operation (IBM cost specification, as Apollo Router counts it: objects
   * 1, scalars 0, mutations 10, lists times their size), refused before execution when over.
   */
  readonly maxCost: number;
  /** Items a paged list returns without `first`; the list size the cost estimate assumes then. */
  readonly defaultPageSize: number;
  /** The largest `first` a paged list accepts. */
  readonly maxPageSize: number;
  /** Fields resolved for one HTTP request (all operations of a batch together) before it is stopped. */
  readonly maxResolvedFields: number;
  /** Execution time of one HTTP request before it is stopped. */
  readonly maxExecutionMs: number;
  /** Fields of one response name in one selection set (graphql-js compares them pairwise). */
  readonly maxFieldRepeats: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  /** Lexical tokens in one document; the parser stops counting there. */
  readonly maxTokens: number;
  /** Operations in one batched (JSON array) request. */
  readonly maxBatch: number;
  /** Bytes of one request body. */
  readonly maxBodyBytes: number;
}

/** What one HTTP connection may hold, and how many there may be. */
export interface HttpServerLimits {
  /** From a request's first byte to the end of its headers. */
  readonly headersTimeoutMs: number;
  /** From a request's first byte to the end of its body. */
  readonly requestTimeoutMs: number;
  /** A kept-alive connection with no request in flight. */
  readonly keepAliveTimeoutMs: number;
  /** No bytes either way while a request is read or answered. */
  readonly idleTimeoutMs: number;
  /** Open connections; further ones are refused, and idle kept-alive ones closed. */
  readonly maxConnections: number;
}

/**
 * Reads and validates the whole configuration at once, the keys included, reporting every
 * problem in one ConfigError. In development a missing HMAC secret is generated once and kept
 * under the data directory; in production nothing is ever generated.
 */
export function loadConfig(env: Env = process.env, options: { cwd?: string } = {}): AppConfig {
  const problems: string[] = [];
  const { read, isSet } = variableReader(env, options.cwd ?? process.cwd(), problems);

  const envName = read("NODE_ENV");
  const production = envName === "production";
  const host = read("HOST");
  const port = read("PORT");
  const logLevel = read("LOG_LEVEL", envName === "test" ? "silent" : "info");
  const logFormat = read("LOG_FORMAT", envName === "development" ? "pretty" : "json");
  const dataDir = read("DATA_DIR");
  const database = read("DATABASE_URL");
  const migrations = {
    mode: read("MIGRATIONS"),
    waitTimeoutSeconds: read("MIGRATIONS_WAIT_TIMEOUT"),
  };
  const redisUrl = read("REDIS_URL");

  const algorithm = read("JWT_ALG");
  const symmetric = algorithm.startsWith("HS");
  let secret = symmetric ? read("JWT_SECRET") : undefined;
  if (symmetric && !secret && production) {
    problems.push(`JWT_SECRET is required in production (at least ${MIN_SECRET_BYTES} bytes)`);
  }
  const requiredPem = (name: VariableName & `JWT_${string}_KEY`) => {
    if (isSet(name)) return read(name);
    problems.push(`${name} is required for asymmetric JWT_ALG`);
    return undefined;
  };
  const privateKeyPem = symmetric ? undefined : requiredPem("JWT_PRIVATE_KEY");
  const publicKeyPem = symmetric ? undefined : requiredPem("JWT_PUBLIC_KEY");
  const kid = read("JWT_KID");
  const previousKeys = read("JWT_PREVIOUS_KEYS") ?? [];

  const issuer = read("JWT_ISSUER");
  const audience = read("JWT_AUDIENCE");
  const clockToleranceSeconds = read("JWT_CLOCK_TOLERANCE");
  const accessTokenTtlSeconds = read("ACCESS_TOKEN_TTL");
  const refreshTokenTtlSeconds = read("REFRESH_TOKEN_TTL");
  const refreshReuseGraceSeconds = read("REFRESH_REUSE_GRACE");
  const sessionMaxLifetimeSeconds = read("SESSION_MAX_LIFETIME");
  const rateLimits: RateLimitConfig = {
    windowSeconds: read("RATE_LIMIT_WINDOW"),
    loginPerAccount: read("RATE_LIMIT_LOGIN_PER_ACCOUNT"),
    loginPerAddress: read("RATE_LIMIT_LOGIN_PER_ADDRESS"),
    refreshPerSession: read("RATE_LIMIT_REFRESH_PER_SESSION"),
    refreshPerAddress: read("RATE_LIMIT_REFRESH_PER_ADDRESS"),
  };
  const trustProxy = read("TRUST_PROXY");

  const introspection = read("GRAPHQL_INTROSPECTION", !production);
  const suggestions = read("GRAPHQL_SUGGESTIONS", !production);
  // GraphiQL without introspection has no schema: no docs, no completion, a red error on load.
  // So the default follows introspection, and asking for both on and off at once is refused
  // rather than serving a page that cannot work.
  const playground = read("GRAPHQL_PLAYGROUND", !production && introspection);
  if (isSet("GRAPHQL_PLAYGROUND") && playground && !introspection) {
    problems.push(
      "GRAPHQL_PLAYGROUND needs introspection: set GRAPHQL_INTROSPECTION=true as well, or turn the playground off",
    );
  }
  // Read in this order, so problems are listed as they always were.
  const maxBodyBytes = read("GRAPHQL_MAX_BODY");
  const maxExecutionMs = read("GRAPHQL_MAX_EXECUTION_TIME");
  const maxPageSize = read("GRAPHQL_MAX_PAGE_SIZE");
  const maxDepth = read("GRAPHQL_MAX_DEPTH");
  const maxCost = read("GRAPHQL_MAX_COST");
  const defaultPageSize = read("GRAPHQL_DEFAULT_PAGE_SIZE", Math.min(100, maxPageSize));
  if (defaultPageSize < 1 || defaultPageSize > maxPageSize) {
    problems.push(
      `GRAPHQL_DEFAULT_PAGE_SIZE must be an integer from 1 to GRAPHQL_MAX_PAGE_SIZE (${maxPageSize})`,
    );
  }
  const graphqlLimits: GraphQLLimits = {
    maxBodyBytes,
    maxDepth,
    maxCost,
    maxPageSize,
    defaultPageSize,
    maxResolvedFields: read("GRAPHQL_MAX_FIELDS"),
    maxFieldRepeats: read("GRAPHQL_MAX_FIELD_REPEATS"),
    maxExecutionMs,
    maxAliases: read("GRAPHQL_MAX_ALIASES"),
    maxDirectives: read("GRAPHQL_MAX_DIRECTIVES"),
    maxTokens: read("GRAPHQL_MAX_TOKENS"),
    maxBatch: read("GRAPHQL_MAX_BATCH"),
  };
  const headersTimeout = read("HTTP_HEADERS_TIMEOUT");
  const requestTimeout = read("HTTP_REQUEST_TIMEOUT");
  if (requestTimeout < headersTimeout) {
    problems.push("HTTP_REQUEST_TIMEOUT must not be shorter than HTTP_HEADERS_TIMEOUT");
  }
  const httpServer: HttpServerLimits = {
    headersTimeoutMs: headersTimeout * 1000,
    requestTimeoutMs: requestTimeout * 1000,
    keepAliveTimeoutMs: read("HTTP_KEEP_ALIVE_TIMEOUT") * 1000,
    idleTimeoutMs: read("HTTP_IDLE_TIMEOUT") * 1000,
    maxConnections: read("HTTP_MAX_CONNECTIONS"),
  };
  const corsOrigins = read("CORS_ORIGINS") ?? [];
  const hsts = read("HSTS", production);
  const requestLog = { sampleRate: read("LOG_SAMPLE_RATE"), slowMs: read("LOG_SLOW_REQUEST") };
  const passwordHashing = {
    concurrency: read("PASSWORD_HASH_CONCURRENCY", defaultHashConcurrency()),
    queue: read("PASSWORD_HASH_QUEUE"),
  };

  // The keys are checked with everything else, so a bad key pair and a bad PORT are reported
  // together. A development secret is read or made up here but written only once all is valid.
  const devSecret = symmetric && !secret && !production ? developmentSecret(dataDir) : undefined;
  secret ??= devSecret?.secret;
  const keySource: JwtKeySource = {
    algorithm,
    secret,
    privateKeyPem,
    publicKeyPem,
    kid,
    previousKeys,
  };
  const currentKeyGiven = symmetric ? secret !== undefined : !!privateKeyPem && !!publicKeyPem;
  const keys = currentKeyGiven ? parseJwtKeys(keySource, problems) : undefined;
  if (!currentKeyGiven) checkPreviousKeys(previousKeys, problems);
  if (problems.length > 0 || !keys) throw new ConfigError(problems);
  devSecret?.keep();

  return deepFreeze({
    env: envName,
    host,
    port,
    database,
    migrations,
    jwt: { ...keySource, issuer, audience, clockToleranceSeconds, keys },
    accessTokenTtlSeconds,
    refreshTokenTtlSeconds,
    refreshReuseGraceSeconds,
    sessionMaxLifetimeSeconds,
    // The contract: a revocation on one instance is honoured by all within one second.
    revocation: { pollIntervalMs: 250, maxStalenessMs: 1_000 },
    redisUrl,
    rateLimits,
    trustProxy,
    introspection,
    playground,
    suggestions,
    graphqlLimits,
    httpServer,
    corsOrigins,
    hsts,
    logLevel,
    logFormat,
    developmentSecret: devSecret && { file: devSecret.file, created: devSecret.created },
    requestLog,
    passwordHashing,
    dataDir,
  });
}

/**
 * One core stays free for the event loop. At most 3: @node-rs/argon2 runs on libuv's thread
 * pool (4 threads unless UV_THREADPOOL_SIZE says otherwise), which fs and dns.lookup share.
 */
function defaultHashConcurrency(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 3));
}

/** DATABASE_URL alone, for tools such as the migration CLI that need no keys. */
export function databaseFromEnvironment(
  env: Env = process.env,
  cwd = process.cwd(),
): DatabaseConfig {
  const problems: string[] = [];
  const database = variableReader(env, cwd, problems).read("DATABASE_URL");
  if (problems.length > 0) throw new ConfigError(problems);
  return database;
}

/** Freezes plain data all the way down; buffers and key objects keep their own internal state. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Buffer.isBuffer(value)) {
    if (value instanceof KeyObject) return value;
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
