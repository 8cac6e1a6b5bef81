import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDurationSeconds } from "./duration";

export const SIGNING_ALGORITHMS = ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export type DatabaseConfig =
  { kind: "sqlite"; path: string } | { kind: "mysql"; url: string; flavour: "mysql" | "mariadb" };

export interface AppConfig {
  readonly env: "development" | "production" | "test";
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
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
  };
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  readonly introspection: boolean;
  readonly logLevel: string;
  readonly dataDir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const MIN_SECRET_BYTES = 32;
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

  const nodeEnv = value("NODE_ENV") ?? "development";
  const envName: AppConfig["env"] =
    nodeEnv === "production" ? "production" : nodeEnv === "test" ? "test" : "development";
  const production = envName === "production";

  const duration = (name: string, fallback: string, min: number): number => {
    const text = value(name) ?? fallback;
    const seconds = parseDurationSeconds(text);
    if (seconds === undefined || seconds < min) {
      problems.push(`${name} must be a duration like 15m, 7d or 10s (at least ${min}s)`);
      return parseDurationSeconds(fallback) ?? 0;
    }
    return seconds;
  };

  const port = Number(value("PORT") ?? "4000");
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    problems.push("PORT must be an integer from 0 to 65535");
  }

  const dataDir = resolve(cwd, value("DATA_DIR") ?? "data");
  const database = parseDatabaseUrl(value("DATABASE_URL") ?? DEFAULT_DATABASE_URL, cwd);
  if (typeof database === "string") problems.push(database);

  const algorithmText = (value("JWT_ALG") ?? "HS256").toUpperCase();
  const algorithm = SIGNING_ALGORITHMS.find((alg) => alg === algorithmText);
  if (!algorithm) {
    problems.push(`JWT_ALG must be one of ${SIGNING_ALGORITHMS.join(", ")}`);
  }
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
    } else {
      secret = loadOrCreateDevSecret(dataDir);
    }
  } else {
    privateKeyPem = readPem(value("JWT_PRIVATE_KEY"), "JWT_PRIVATE_KEY", cwd, problems);
    publicKeyPem = readPem(value("JWT_PUBLIC_KEY"), "JWT_PUBLIC_KEY", cwd, problems);
  }

  const kid = value("JWT_KID");
  if (kid !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
    problems.push("JWT_KID may hold only letters, digits, '.', '_' and '-' (at most 64)");
  }

  const config: AppConfig = {
    env: envName,
    host: value("HOST") ?? "127.0.0.1",
    port,
    database: typeof database === "string" ? { kind: "sqlite", path: "" } : database,
    jwt: {
      algorithm: algorithm ?? "HS256",
      secret,
      privateKeyPem,
      publicKeyPem,
      kid,
      issuer: value("JWT_ISSUER") ?? DEFAULT_ISSUER,
      audience: value("JWT_AUDIENCE") ?? DEFAULT_AUDIENCE,
      clockToleranceSeconds: duration("JWT_CLOCK_TOLERANCE", "5s", 0),
    },
    accessTokenTtlSeconds: duration("ACCESS_TOKEN_TTL", "15m", 1),
    refreshTokenTtlSeconds: duration("REFRESH_TOKEN_TTL", "7d", 60),
    refreshReuseGraceSeconds: duration("REFRESH_REUSE_GRACE", "10s", 0),
    introspection: parseBoolean(
      value("GRAPHQL_INTROSPECTION"),
      !production,
      "GRAPHQL_INTROSPECTION",
      problems,
    ),
    logLevel: value("LOG_LEVEL") ?? (envName === "test" ? "silent" : "info"),
    dataDir,
  };
  if (config.jwt.clockToleranceSeconds > 300) {
    problems.push("JWT_CLOCK_TOLERANCE must be at most 5m");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
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
    if (!secretWeakness(stored)) return stored;
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
