import { hmacSecret, pem, previousKeys } from "./key-material";
import {
  algorithm,
  boolean,
  byteSize,
  databaseUrl,
  duration,
  durationMillis,
  fraction,
  integer,
  kid,
  limit,
  logFormat,
  migrationMode,
  nodeEnvironment,
  origins,
  type Parser,
  path,
  redisUrl,
  text,
  trustProxy,
} from "./parsers";

/**
 * One environment variable: what it means (one line of Markdown, shown in the
 * Configuration table of docs/configuration.md and in .env.example), how its text is parsed, and either the default as one
 * would write it or, when the default depends on other variables, what being unset means.
 */
export type Declaration<T> = {
  readonly meaning: string;
  readonly parser: Parser<T>;
} & ({ readonly default: string } | { readonly whenUnset: string });

const DAY = 86_400;

/**
 * Every variable the server reads, in the order loadConfig reads them (so problems are listed in
 * this order too). Nothing else is read from the environment.
 */
export const VARIABLES = {
  NODE_ENV: {
    meaning:
      "`development`, `test`, or anything else for the production posture: no secret generation, no introspection, suggestions or playground, HSTS, `Secure` cookies",
    default: "development",
    parser: nodeEnvironment,
  },
  HOST: { meaning: "address to listen on", default: "127.0.0.1", parser: text },
  PORT: {
    meaning: "port to listen on; `0` picks a free one",
    default: "4000",
    parser: integer(0, 65_535),
  },
  LOG_LEVEL: {
    meaning: "pino level (`info`, `warn`, `silent`, ...)",
    whenUnset: "`info` (`silent` under `NODE_ENV=test`)",
    parser: text,
  },
  LOG_FORMAT: {
    meaning:
      "`pretty`: a start-up summary and coloured lines for a person; `json`: one JSON object a line, for a collector",
    whenUnset: "`pretty` under `NODE_ENV=development`, else `json`",
    parser: logFormat,
  },
  DATA_DIR: { meaning: "where the development secret is kept", default: "./data", parser: path },
  DATABASE_URL: {
    meaning:
      "`mysql://user:pass@host:3306/db`, `mariadb://...`, or `sqlite:PATH` (`sqlite::memory:` too)",
    default: "sqlite:./data/app.sqlite",
    parser: databaseUrl,
  },
  MIGRATIONS: {
    meaning:
      "what an instance does with pending migrations at start: `auto` applies them under a named lock (one server; refused on Galera), `run` applies them (the one migrating instance of a cluster), `wait` waits until another has (see Running on a Galera cluster)",
    default: "auto",
    parser: migrationMode,
  },
  MIGRATIONS_WAIT_TIMEOUT: {
    meaning: "how long `MIGRATIONS=wait` waits for the schema to be current before giving up",
    default: "10m",
    parser: duration(1, DAY),
  },
  REDIS_URL: {
    meaning:
      "`redis://` or `rediss://` URL: revocations are also announced over Redis pub/sub (see Several instances)",
    whenUnset: "none",
    parser: redisUrl,
  },
  JWT_ALG: {
    meaning: "the algorithm access tokens are signed with",
    default: "HS256",
    parser: algorithm,
  },
  JWT_SECRET: {
    meaning: "HMAC secret for `HS256`, `HS384` and `HS512`",
    whenUnset: "generated under `DATA_DIR` in development; required in production",
    parser: hmacSecret,
  },
  JWT_PRIVATE_KEY: {
    meaning:
      "signing key for `RS256`, `PS256` and `ES256`: PEM text (or `\\n`-escaped) or the path of a PEM file; checked to pair with `JWT_PUBLIC_KEY` and to fit the algorithm (RSA ≥ 2048 bits, EC P-256)",
    whenUnset: "none; required for `RS256`, `PS256`, `ES256`",
    parser: pem,
  },
  JWT_PUBLIC_KEY: {
    meaning: "the public half of `JWT_PRIVATE_KEY`, as PEM text or a path; published in the JWKS",
    whenUnset: "none; required for `RS256`, `PS256`, `ES256`",
    parser: pem,
  },
  JWT_KID: {
    meaning: "key id of the signing key",
    whenUnset: "derived from the key (RFC 7638 thumbprint, or a hash for HMAC)",
    parser: kid,
  },
  JWT_PREVIOUS_KEYS: {
    meaning:
      'JSON array (or a file of one) of retired keys that still verify, never sign: `[{"alg":"RS256","key":"old.pub.pem","kid":"...","notAfter":"..."}]`; see Keys, rotation and the JWKS',
    whenUnset: "none",
    parser: previousKeys,
  },
  JWT_ISSUER: {
    meaning: "`iss` of issued tokens, required on verified ones",
    default: "graphql-jwt-api",
    parser: text,
  },
  JWT_AUDIENCE: {
    meaning: "`aud` of issued tokens, required on verified ones",
    default: "graphql-jwt-api",
    parser: text,
  },
  JWT_CLOCK_TOLERANCE: {
    meaning: "clock skew allowed on `exp`, `nbf`, `iat`",
    default: "5s",
    parser: duration(0, 300),
  },
  ACCESS_TOKEN_TTL: {
    meaning: "lifetime of an access token",
    default: "15m",
    parser: duration(1, DAY),
  },
  REFRESH_TOKEN_TTL: {
    meaning: "lifetime of a refresh token",
    default: "7d",
    parser: duration(60, 365 * DAY),
  },
  REFRESH_REUSE_GRACE: {
    meaning: "grace for a just-rotated refresh token; `0s` turns it off",
    default: "10s",
    parser: duration(0, 60),
  },
  SESSION_MAX_LIFETIME: {
    meaning: "absolute end of a session, counted from sign-in, however often it is refreshed",
    default: "30d",
    parser: duration(60, 5 * 365 * DAY),
  },
  RATE_LIMIT_WINDOW: {
    meaning: "fixed window of the attempt counters (see Rate limits)",
    default: "15m",
    parser: duration(1, DAY),
  },
  RATE_LIMIT_LOGIN_PER_ACCOUNT: {
    meaning:
      "`login` and `register` attempts per window naming one email, and `changePassword` attempts of one user",
    default: "10",
    parser: limit,
  },
  RATE_LIMIT_LOGIN_PER_ADDRESS: {
    meaning:
      "`login`, `register` and `changePassword` attempts per window from one client address (an IPv6 /64)",
    default: "100",
    parser: limit,
  },
  RATE_LIMIT_REFRESH_PER_SESSION: {
    meaning: "`refresh` attempts per window presenting one session's refresh token",
    default: "60",
    parser: limit,
  },
  RATE_LIMIT_REFRESH_PER_ADDRESS: {
    meaning: "`refresh` attempts per window from one client address (an IPv6 /64)",
    default: "1000",
    parser: limit,
  },
  TRUST_PROXY: {
    meaning:
      "which proxies may report the client address in `X-Forwarded-For`: `false`, `true`, a hop count, or addresses, CIDR subnets, `loopback`, `linklocal`, `uniquelocal`",
    default: "false",
    parser: trustProxy,
  },
  GRAPHQL_INTROSPECTION: {
    meaning: "schema introspection",
    whenUnset: "on, except in production",
    parser: boolean,
  },
  GRAPHQL_SUGGESTIONS: {
    meaning: '"Did you mean ...?" in validation errors, naming fields the caller did not ask for',
    whenUnset: "on, except in production",
    parser: boolean,
  },
  GRAPHQL_PLAYGROUND: {
    meaning: "the offline GraphiQL page on browser GETs of `/graphql` (needs introspection)",
    whenUnset: "on where introspection is, except in production",
    parser: boolean,
  },
  GRAPHQL_MAX_BODY: {
    meaning: "size of one request body (see GraphQL limits)",
    default: "100kb",
    parser: byteSize("1kb", "10mb"),
  },
  GRAPHQL_MAX_DEPTH: {
    meaning: "nesting of fields in one document, introspection excepted",
    default: "8",
    parser: integer(1, 100),
  },
  GRAPHQL_MAX_COST: {
    meaning:
      "estimated cost of one request, counted with list sizes (objects 1, scalars 0, mutations 10, lists times their `first` or the default page; see GraphQL limits)",
    default: "5000",
    parser: integer(1, 10_000_000),
  },
  GRAPHQL_MAX_FIELD_REPEATS: {
    meaning: "fields of one response name in one selection set (graphql-js compares them pairwise)",
    default: "10",
    parser: integer(1, 1000),
  },
  GRAPHQL_MAX_PAGE_SIZE: {
    meaning: "the largest `first` a paged list accepts",
    default: "500",
    parser: integer(1, 10_000),
  },
  GRAPHQL_DEFAULT_PAGE_SIZE: {
    meaning:
      "items a paged list returns without `first`, and the size the cost estimate assumes for it",
    whenUnset: "`100` (or `GRAPHQL_MAX_PAGE_SIZE` when smaller)",
    // Its upper bound is GRAPHQL_MAX_PAGE_SIZE, which loadConfig checks once both are read.
    parser: {
      ...integer(0, 10_000, "an integer from 1 to GRAPHQL_MAX_PAGE_SIZE"),
      accepts: "1 to `GRAPHQL_MAX_PAGE_SIZE`",
    },
  },
  GRAPHQL_MAX_FIELDS: {
    meaning: "run-time budget: fields one request resolves (a batch's operations together)",
    default: "50000",
    parser: integer(10, 10_000_000),
  },
  GRAPHQL_MAX_EXECUTION_TIME: {
    meaning: "run-time budget: how long one request may execute",
    default: "5s",
    parser: durationMillis(10, 600_000),
  },
  GRAPHQL_MAX_ALIASES: {
    meaning: "aliases in one document",
    default: "15",
    parser: integer(0, 1000),
  },
  GRAPHQL_MAX_DIRECTIVES: {
    meaning: "directives in one document",
    default: "20",
    parser: integer(0, 1000),
  },
  GRAPHQL_MAX_TOKENS: {
    meaning: "lexical tokens in one document",
    default: "1000",
    parser: integer(100, 100_000),
  },
  GRAPHQL_MAX_BATCH: {
    meaning: "operations in one batched (JSON array) request",
    default: "10",
    parser: integer(1, 100),
  },
  HTTP_HEADERS_TIMEOUT: {
    meaning:
      "from a request's first byte to the end of its headers; then 408 and closed (see HTTP server timeouts)",
    default: "10s",
    parser: duration(1, 300),
  },
  HTTP_REQUEST_TIMEOUT: {
    meaning: "from a request's first byte to the end of its body; at least `HTTP_HEADERS_TIMEOUT`",
    default: "30s",
    parser: duration(1, 3600),
  },
  HTTP_KEEP_ALIVE_TIMEOUT: {
    meaning: "how long a kept-alive connection may wait for its next request",
    default: "5s",
    parser: duration(1, 600),
  },
  HTTP_IDLE_TIMEOUT: {
    meaning: "no bytes either way while a request is read or answered; then the socket is closed",
    default: "30s",
    parser: duration(1, 3600),
  },
  HTTP_MAX_CONNECTIONS: {
    meaning: "open connections; past it new ones are refused and idle kept-alive ones closed",
    default: "4096",
    parser: integer(1, 1_000_000),
  },
  CORS_ORIGINS: {
    meaning: "comma-separated exact origins allowed to call from a browser, with credentials",
    whenUnset: "none: no CORS",
    parser: origins,
  },
  HSTS: {
    meaning: "send `Strict-Transport-Security` (only meaningful behind HTTPS)",
    whenUnset: "on in production only",
    parser: boolean,
  },
  LOG_SAMPLE_RATE: {
    meaning:
      "fraction of successful requests that get a request log line; errors, 5xx, refused bearer tokens and slow requests always get one",
    default: "0.01",
    parser: fraction,
  },
  LOG_SLOW_REQUEST: {
    meaning: "requests that take at least this long are always logged",
    default: "1s",
    parser: durationMillis(1, 600_000),
  },
  PASSWORD_HASH_CONCURRENCY: {
    meaning: "argon2 hashes and verifications run at once (see Rate limits)",
    whenUnset: "cores − 1, at least 1 and at most 3 (libuv's pool has 4 threads)",
    parser: integer(1, 256),
  },
  PASSWORD_HASH_QUEUE: {
    meaning: "hashes that may wait for a free slot; past it `SERVICE_UNAVAILABLE` (503)",
    default: "64",
    parser: integer(0, 100_000),
  },
} as const satisfies Record<string, Declaration<unknown>>;

export type VariableName = keyof typeof VARIABLES;
