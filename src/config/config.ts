import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { dirname, resolve } from "node:path";
import { parseDurationMillis, parseDurationSeconds } from "./duration";

export const SIGNING_ALGORITHMS = ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export type DatabaseConfig =
  { kind: "sqlite"; path: string } | { kind: "mysql"; url: string; flavour: "mysql" | "mariadb" };

/**
 * What an instance does with pending migrations at start: `auto` applies them under a named
 * lock (one server; refused on a Galera node, where that lock is per node), `run` applies them
 * (the one designated instance of a cluster), `wait` applies none and waits until they are.
 */
export const MIGRATION_MODES = ["auto", "run", "wait"] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];

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
  readonly jwt: {
    readonly algorithm: SigningAlgorithm;
    /** HMAC secret bytes (HS*), or undefined for asymmetric algorithms. */
    readonly secret?: Buffer;
    readonly privateKeyPem?: string;
    readonly publicKeyPem?: string;
    readonly kid?: string;
    readonly issuer: string;
    readonly audience: string;
    readonly clockToleranceSeconds: number;
    /** Keys that still verify (never sign) after a rotation; see JWT_PREVIOUS_KEYS. */
    readonly previousKeys: readonly PreviousKeyConfig[];
  };
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
   * X-Forwarded-For, as express's `trust proxy` setting: false (none), true (any: only behind a
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
  readonly dataDir: string;
}

/**
 * A verification-only key kept after a rotation so that tokens it signed stay valid until they
 * expire. HMAC entries carry `secret`; asymmetric ones carry `publicKeyPem` (public half only).
 */
export interface PreviousKeyConfig {
  readonly algorithm: SigningAlgorithm;
  readonly kid?: string;
  readonly secret?: Buffer;
  readonly publicKeyPem?: string;
  /** Epoch seconds after which the key verifies nothing and leaves the JWKS. */
  readonly notAfter?: number;
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

export type TrustProxy = boolean | number | readonly string[];

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

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const MIN_SECRET_BYTES = 32;
const DAY = 86_400;
const DEFAULT_ISSUER = "graphql-jwt-api";
const DEFAULT_AUDIENCE = "graphql-jwt-api";
const DEV_SECRET_FILE = "jwt-secret";
const DEFAULT_DATABASE_URL = "sqlite:./data/app.sqlite";

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the whole configuration at once, reporting every bad variable in one
 * error. In development a missing HMAC secret is generated once and kept under the data
 * directory; in production nothing is ever generated.
 */
export function loadConfig(env: Env = process.env, options: { cwd?: string } = {}): AppConfig {
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === "" ? undefined : raw.trim();
  };

  // Fail closed: any NODE_ENV other than development or test (staging, prod, …) gets the
  // production posture, so a secret is never generated by accident.
  const nodeEnv = value("NODE_ENV") ?? "development";
  const envName: AppConfig["env"] =
    nodeEnv === "development" ? "development" : nodeEnv === "test" ? "test" : "production";
  const production = envName === "production";

  const duration = (name: string, fallback: string, min: number, max: number): number => {
    const text = value(name) ?? fallback;
    const seconds = parseDurationSeconds(text);
    if (seconds === undefined || seconds < min || seconds > max) {
      problems.push(`${name} must be a duration like 15m, 7d or 10s, from ${min}s to ${max}s`);
      return parseDurationSeconds(fallback) ?? 0;
    }
    return seconds;
  };

  const portText = value("PORT") ?? "4000";
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port > 65_535) {
    problems.push("PORT must be an integer from 0 to 65535");
  }

  const dataDir = resolve(cwd, value("DATA_DIR") ?? "data");
  const database = parseDatabaseUrl(value("DATABASE_URL") ?? DEFAULT_DATABASE_URL, cwd);
  if (typeof database === "string") problems.push(database);
  const migrationMode = (value("MIGRATIONS") ?? "auto").toLowerCase();
  if (!(MIGRATION_MODES as readonly string[]).includes(migrationMode)) {
    problems.push(`MIGRATIONS must be one of ${MIGRATION_MODES.join(", ")}`);
  }

  const algorithm = parseAlgorithm(value("JWT_ALG") ?? "HS256", "JWT_ALG", problems);
  const symmetric = (algorithm ?? "HS256").startsWith("HS");

  let secret: Buffer | undefined;
  let privateKeyPem: string | undefined;
  let publicKeyPem: string | undefined;
  if (symmetric) {
    const secretText = value("JWT_SECRET");
    if (secretText !== undefined) {
      secret = Buffer.from(secretText, "utf8");
      const weakness = secretWeakness(secret);
      if (weakness) problems.push(`JWT_SECRET is too weak: ${weakness}`);
    } else if (production) {
      problems.push(`JWT_SECRET is required in production (at least ${MIN_SECRET_BYTES} bytes)`);
    }
  } else {
    privateKeyPem = readPem(value("JWT_PRIVATE_KEY"), "JWT_PRIVATE_KEY", cwd, problems);
    publicKeyPem = readPem(value("JWT_PUBLIC_KEY"), "JWT_PUBLIC_KEY", cwd, problems);
  }

  const redisUrl = value("REDIS_URL");
  if (redisUrl !== undefined) {
    const problem = redisUrlProblem(redisUrl);
    if (problem) problems.push(problem);
  }

  const integer = (
    name: string,
    fallback: number,
    min: number,
    max: number,
    range = `an integer from ${min} to ${max}`,
  ): number => {
    const text = value(name);
    if (text === undefined) return fallback;
    const parsed = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    if (!(parsed >= min && parsed <= max)) {
      problems.push(`${name} must be ${range}`);
      return fallback;
    }
    return parsed;
  };
  const limit = (name: string, fallback: number): number =>
    integer(name, fallback, 0, 9_999_999, "a whole number from 0 (no limit) to 9999999");
  const trustProxy = parseTrustProxy(value("TRUST_PROXY"));
  if (typeof trustProxy === "string") problems.push(trustProxy);
  const maxBodyBytes = parseByteSize(value("GRAPHQL_MAX_BODY") ?? "100kb");
  if (maxBodyBytes === undefined || maxBodyBytes < 1024 || maxBodyBytes > 10 * 1024 * 1024) {
    problems.push("GRAPHQL_MAX_BODY must be a size like 100kb or 1mb, from 1kb to 10mb");
  }
  const corsOrigins = parseOrigins(value("CORS_ORIGINS"), problems);
  const maxExecutionMs = parseDurationMillis(value("GRAPHQL_MAX_EXECUTION_TIME") ?? "5s");
  if (maxExecutionMs === undefined || maxExecutionMs < 10 || maxExecutionMs > 600_000) {
    problems.push(
      "GRAPHQL_MAX_EXECUTION_TIME must be a duration like 5s or 500ms, from 10ms to 10m",
    );
  }
  const maxPageSize = integer("GRAPHQL_MAX_PAGE_SIZE", 500, 1, 10_000);
  const headersTimeout = duration("HTTP_HEADERS_TIMEOUT", "10s", 1, 300);
  const requestTimeout = duration("HTTP_REQUEST_TIMEOUT", "30s", 1, 3600);
  if (requestTimeout < headersTimeout) {
    problems.push("HTTP_REQUEST_TIMEOUT must not be shorter than HTTP_HEADERS_TIMEOUT");
  }

  const kid = value("JWT_KID");
  if (kid !== undefined && !KID.test(kid)) problems.push(`JWT_KID ${KID_RULE}`);
  const previousKeys = parsePreviousKeys(value("JWT_PREVIOUS_KEYS"), cwd, problems);

  const introspection = parseBoolean(
    value("GRAPHQL_INTROSPECTION"),
    !production,
    "GRAPHQL_INTROSPECTION",
    problems,
  );
  // GraphiQL without introspection has no schema: no docs, no completion, a red error on load.
  // So the default follows introspection, and asking for both on and off at once is refused
  // rather than serving a page that cannot work.
  const playgroundText = value("GRAPHQL_PLAYGROUND");
  const playground = parseBoolean(
    playgroundText,
    !production && introspection,
    "GRAPHQL_PLAYGROUND",
    problems,
  );
  if (playgroundText !== undefined && playground && !introspection) {
    problems.push(
      "GRAPHQL_PLAYGROUND needs introspection: set GRAPHQL_INTROSPECTION=true as well, or turn the playground off",
    );
  }

  const config: AppConfig = {
    env: envName,
    host: value("HOST") ?? "127.0.0.1",
    port,
    database: typeof database === "string" ? { kind: "sqlite", path: "" } : database,
    migrations: {
      mode: (MIGRATION_MODES as readonly string[]).includes(migrationMode)
        ? (migrationMode as MigrationMode)
        : "auto",
      waitTimeoutSeconds: duration("MIGRATIONS_WAIT_TIMEOUT", "10m", 1, DAY),
    },
    jwt: {
      algorithm: algorithm ?? "HS256",
      secret,
      privateKeyPem,
      publicKeyPem,
      kid,
      issuer: value("JWT_ISSUER") ?? DEFAULT_ISSUER,
      audience: value("JWT_AUDIENCE") ?? DEFAULT_AUDIENCE,
      clockToleranceSeconds: duration("JWT_CLOCK_TOLERANCE", "5s", 0, 300),
      previousKeys,
    },
    accessTokenTtlSeconds: duration("ACCESS_TOKEN_TTL", "15m", 1, DAY),
    refreshTokenTtlSeconds: duration("REFRESH_TOKEN_TTL", "7d", 60, 365 * DAY),
    refreshReuseGraceSeconds: duration("REFRESH_REUSE_GRACE", "10s", 0, 60),
    sessionMaxLifetimeSeconds: duration("SESSION_MAX_LIFETIME", "30d", 60, 5 * 365 * DAY),
    // The contract: a revocation on one instance is honoured by all within one second.
    revocation: { pollIntervalMs: 250, maxStalenessMs: 1_000 },
    redisUrl,
    rateLimits: {
      windowSeconds: duration("RATE_LIMIT_WINDOW", "15m", 1, DAY),
      loginPerAccount: limit("RATE_LIMIT_LOGIN_PER_ACCOUNT", 10),
      loginPerAddress: limit("RATE_LIMIT_LOGIN_PER_ADDRESS", 100),
      refreshPerSession: limit("RATE_LIMIT_REFRESH_PER_SESSION", 60),
      refreshPerAddress: limit("RATE_LIMIT_REFRESH_PER_ADDRESS", 1000),
    },
    trustProxy: typeof trustProxy === "string" ? false : trustProxy,
    introspection,
    playground,
    suggestions: parseBoolean(
      value("GRAPHQL_SUGGESTIONS"),
      !production,
      "GRAPHQL_SUGGESTIONS",
      problems,
    ),
    graphqlLimits: {
      maxDepth: integer("GRAPHQL_MAX_DEPTH", 8, 1, 100),
      maxCost: integer("GRAPHQL_MAX_COST", 5000, 1, 10_000_000),
      defaultPageSize: integer(
        "GRAPHQL_DEFAULT_PAGE_SIZE",
        Math.min(100, maxPageSize),
        1,
        maxPageSize,
        `an integer from 1 to GRAPHQL_MAX_PAGE_SIZE (${maxPageSize})`,
      ),
      maxPageSize,
      maxResolvedFields: integer("GRAPHQL_MAX_FIELDS", 50_000, 10, 10_000_000),
      maxExecutionMs: maxExecutionMs ?? 5000,
      maxFieldRepeats: integer("GRAPHQL_MAX_FIELD_REPEATS", 10, 1, 1000),
      maxAliases: integer("GRAPHQL_MAX_ALIASES", 15, 0, 1000),
      maxDirectives: integer("GRAPHQL_MAX_DIRECTIVES", 20, 0, 1000),
      maxTokens: integer("GRAPHQL_MAX_TOKENS", 1000, 100, 100_000),
      maxBatch: integer("GRAPHQL_MAX_BATCH", 10, 1, 100),
      maxBodyBytes: maxBodyBytes ?? 100 * 1024,
    },
    httpServer: {
      headersTimeoutMs: headersTimeout * 1000,
      requestTimeoutMs: requestTimeout * 1000,
      keepAliveTimeoutMs: duration("HTTP_KEEP_ALIVE_TIMEOUT", "5s", 1, 600) * 1000,
      idleTimeoutMs: duration("HTTP_IDLE_TIMEOUT", "30s", 1, 3600) * 1000,
      maxConnections: integer("HTTP_MAX_CONNECTIONS", 4096, 1, 1_000_000),
    },
    corsOrigins,
    hsts: parseBoolean(value("HSTS"), production, "HSTS", problems),
    logLevel: value("LOG_LEVEL") ?? (envName === "test" ? "silent" : "info"),
    dataDir,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  // Only once everything else is valid, so a failed start leaves nothing behind.
  const needsDevSecret = symmetric && !config.jwt.secret;
  return deepFreeze(
    needsDevSecret
      ? { ...config, jwt: { ...config.jwt, secret: loadOrCreateDevSecret(dataDir) } }
      : config,
  );
}

/** DATABASE_URL alone, for tools such as the migration CLI that need no keys. */
export function databaseFromEnvironment(
  env: Env = process.env,
  cwd = process.cwd(),
): DatabaseConfig {
  const database = parseDatabaseUrl(env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL, cwd);
  if (typeof database === "string") throw new ConfigError([database]);
  return database;
}

const KID = /^[A-Za-z0-9._-]{1,64}$/;
const KID_RULE = "may hold only letters, digits, '.', '_' and '-' (at most 64)";

/**
 * Exactly one of the listed algorithms, compared after upper-casing. `none` gets its own
 * message in every spelling: an unsigned token is never acceptable, whatever else is configured.
 */
function parseAlgorithm(
  text: string,
  name: string,
  problems: string[],
): SigningAlgorithm | undefined {
  const upper = text.trim().toUpperCase();
  if (upper === "NONE") {
    problems.push(`${name} "none" is never accepted: tokens must be signed`);
    return undefined;
  }
  const algorithm = SIGNING_ALGORITHMS.find((alg) => alg === upper);
  if (!algorithm) problems.push(`${name} must be one of ${SIGNING_ALGORITHMS.join(", ")}`);
  return algorithm;
}

/**
 * JWT_PREVIOUS_KEYS: a JSON array (or the path of a JSON file holding one) of
 * `{ "alg", "key" | "secret", "kid"?, "notAfter"? }`. `key` is PEM text or a PEM file path;
 * a private key is accepted but only its public half is kept. Without `kid`, the kid is derived
 * exactly as it was when the key signed, so a rotation needs nothing but moving the old key here.
 */
function parsePreviousKeys(
  text: string | undefined,
  cwd: string,
  problems: string[],
): PreviousKeyConfig[] {
  if (text === undefined) return [];
  const name = "JWT_PREVIOUS_KEYS";
  let json = text;
  if (!text.startsWith("[")) {
    try {
      json = readFileSync(resolve(cwd, text), "utf8");
    } catch {
      problems.push(`${name} must be a JSON array or the path of a readable JSON file`);
      return [];
    }
  }
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    problems.push(`${name} is not valid JSON`);
    return [];
  }
  if (!Array.isArray(entries)) {
    problems.push(`${name} must be a JSON array of keys`);
    return [];
  }
  const keys: PreviousKeyConfig[] = [];
  entries.forEach((entry: unknown, index) => {
    const where = `${name}[${index}]`;
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
      problems.push(`${where} must be an object like {"alg":"RS256","key":"./old-public.pem"}`);
      return;
    }
    const { alg, key, secret, kid, notAfter, ...unknown } = entry as Record<string, unknown>;
    const before = problems.length;
    const extra = Object.keys(unknown);
    if (extra.length > 0) problems.push(`${where} has unknown members: ${extra.join(", ")}`);
    const algorithm =
      typeof alg === "string" ? parseAlgorithm(alg, `${where}.alg`, problems) : undefined;
    if (typeof alg !== "string") problems.push(`${where}.alg is required`);
    if (kid !== undefined && (typeof kid !== "string" || !KID.test(kid))) {
      problems.push(`${where}.kid ${KID_RULE}`);
    }
    let notAfterSeconds: number | undefined;
    if (notAfter !== undefined) {
      const time = typeof notAfter === "string" ? Date.parse(notAfter) : NaN;
      if (Number.isNaN(time)) problems.push(`${where}.notAfter must be an ISO 8601 date-time`);
      else notAfterSeconds = Math.floor(time / 1000);
    }
    let secretBytes: Buffer | undefined;
    let publicKeyPem: string | undefined;
    if (algorithm?.startsWith("HS")) {
      if (typeof secret !== "string" || key !== undefined) {
        problems.push(`${where} needs "secret" (and no "key") for ${algorithm}`);
      } else {
        secretBytes = Buffer.from(secret, "utf8");
        const weakness = secretWeakness(secretBytes);
        if (weakness) problems.push(`${where}.secret is too weak: ${weakness}`);
      }
    } else if (algorithm) {
      if (typeof key !== "string" || secret !== undefined) {
        problems.push(`${where} needs "key" (and no "secret") for ${algorithm}`);
      } else {
        publicKeyPem = readPem(key, `${where}.key`, cwd, problems);
      }
    }
    if (problems.length > before || !algorithm) return;
    keys.push({
      algorithm,
      ...(typeof kid === "string" ? { kid } : {}),
      ...(secretBytes ? { secret: secretBytes } : {}),
      ...(publicKeyPem ? { publicKeyPem } : {}),
      ...(notAfterSeconds !== undefined ? { notAfter: notAfterSeconds } : {}),
    });
  });
  return keys;
}

function parseDatabaseUrl(url: string, cwd: string): DatabaseConfig | string {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path === "") return "DATABASE_URL sqlite: needs a file path, like sqlite:./data/app.sqlite";
    return { kind: "sqlite", path: path === ":memory:" ? path : resolve(cwd, path) };
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    try {
      const parsed = new URL(url);
      if (!parsed.hostname || parsed.pathname.length <= 1) {
        return "DATABASE_URL must name a host and a database, like mysql://user:pass@host:3306/db";
      }
      return { kind: "mysql", url, flavour: parsed.protocol === "mariadb:" ? "mariadb" : "mysql" };
    } catch {
      return "DATABASE_URL is not a valid URL";
    }
  }
  return "DATABASE_URL must start with mysql://, mariadb:// or sqlite:";
}

function redisUrlProblem(url: string): string | undefined {
  const shape = "REDIS_URL must look like redis://host:6379 or rediss://user:pass@host:6380/0";
  if (!/^rediss?:\/\//.test(url)) return shape;
  try {
    return new URL(url).hostname ? undefined : shape;
  } catch {
    return shape;
  }
}

const TRUST_PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * TRUST_PROXY as express's `trust proxy` takes it. Off by default: X-Forwarded-For is then
 * ignored, so a client cannot pick the address its attempts are counted under.
 */
export function parseTrustProxy(text: string | undefined): TrustProxy | string {
  if (text === undefined || /^false$/i.test(text)) return false;
  if (/^true$/i.test(text)) return true;
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const entries = text.split(",").map((entry) => entry.trim());
  const valid = entries.every((entry) => {
    if (TRUST_PROXY_NAMES.has(entry)) return true;
    const [address, prefix, ...rest] = entry.split("/");
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  });
  return valid
    ? entries
    : "TRUST_PROXY must be false, true, a number of proxy hops, or a comma-separated list of " +
        "addresses, CIDR subnets, loopback, linklocal or uniquelocal";
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** "100kb", "1mb", "2048" (bytes); undefined when it is not such a size. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d{1,9})\s*(b|kb|mb)?$/i.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * BYTE_UNITS[(match[2] ?? "b").toLowerCase()];
}

/**
 * A comma-separated list of exact origins (scheme, host, optional port). Wildcards and "null" are
 * refused: CORS with credentials must name each site it trusts, never reflect whoever asks.
 */
function parseOrigins(text: string | undefined, problems: string[]): string[] {
  if (text === undefined) return [];
  const origins: string[] = [];
  for (const entry of text.split(",").map((part) => part.trim())) {
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      const exact = url.origin === entry.replace(/\/$/, "").toLowerCase();
      if (/^https?:$/.test(url.protocol) && exact && !url.hostname.includes("*")) {
        origin = url.origin;
      }
    } catch {
      origin = undefined;
    }
    if (origin === undefined) {
      problems.push(
        "CORS_ORIGINS must be a comma-separated list of exact origins like https://app.example.com (no paths, no wildcards)",
      );
      return [];
    }
    origins.push(origin);
  }
  return [...new Set(origins)];
}

function parseBoolean(
  text: string | undefined,
  fallback: boolean,
  name: string,
  problems: string[],
) {
  if (text === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  problems.push(`${name} must be true or false`);
  return fallback;
}

/** A reason the HMAC secret is too weak to sign with, or undefined when it is acceptable. */
export function secretWeakness(secret: Buffer): string | undefined {
  if (secret.length < MIN_SECRET_BYTES) return `it must be at least ${MIN_SECRET_BYTES} bytes`;
  if (new Set(secret).size < 10) return "it repeats too few distinct characters";
  return undefined;
}

function readPem(text: string | undefined, name: string, cwd: string, problems: string[]) {
  if (text === undefined) {
    problems.push(`${name} is required for asymmetric JWT_ALG`);
    return undefined;
  }
  if (text.includes("-----BEGIN")) return text.replace(/\\n/g, "\n");
  try {
    return readFileSync(resolve(cwd, text), "utf8");
  } catch {
    problems.push(`${name} is neither PEM text nor a readable PEM file`);
    return undefined;
  }
}

function loadOrCreateDevSecret(dataDir: string): Buffer {
  const file = resolve(dataDir, DEV_SECRET_FILE);
  if (existsSync(file)) {
    const stored = Buffer.from(readFileSync(file, "utf8").trim(), "base64url");
    if (!secretWeakness(stored)) {
      chmodSync(file, 0o600);
      return stored;
    }
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(48);
  writeFileSync(file, secret.toString("base64url") + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Buffer.isBuffer(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
