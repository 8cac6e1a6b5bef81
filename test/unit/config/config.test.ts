import { configUnderTempDir, STRONG_SECRET } from "../../support/config-loader";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, databaseFromEnvironment, secretWeakness } from "../../../src/config/config";

// Real keys: the config parses them and checks that they pair and fit the algorithm.
const pemOf = ({ privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject }) => [
  privateKey.export({ type: "pkcs8", format: "pem" }).toString().trim(),
  publicKey.export({ type: "spki", format: "pem" }).toString().trim(),
];
const [EC_PRIVATE_PEM, EC_PUBLIC_PEM] = pemOf(generateKeyPairSync("ec", { namedCurve: "P-256" }));
const [RSA_PRIVATE_PEM, RSA_PUBLIC_PEM] = pemOf(
  generateKeyPairSync("rsa", { modulusLength: 2048 }),
);
const ALG_PROBLEM = "JWT_ALG must be one of HS256, HS384, HS512, RS256, PS256, ES256";
const NONE_PROBLEM = 'JWT_ALG "none" is never accepted: tokens must be signed';

const { load, problemsOf, cwd } = configUnderTempDir();

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("loadConfig defaults", () => {
  it("listens on 127.0.0.1:4000 by default", () => {
    const config = load();
    expect(config.port).toBe(4000);
    expect(config.host).toBe("127.0.0.1");
  });

  it("uses sqlite:./data/app.sqlite resolved against the working directory", () => {
    expect(load().database).toEqual({ kind: "sqlite", path: join(cwd(), "data", "app.sqlite") });
  });

  it("signs with HS256 under the project's issuer and audience", () => {
    const { jwt } = load();
    expect(jwt.algorithm).toBe("HS256");
    expect(jwt.issuer).toBe("graphql-jwt-api");
    expect(jwt.audience).toBe("graphql-jwt-api");
    expect(jwt.kid).toBeUndefined();
  });

  it("gives access tokens 15m, refresh tokens 7d, a 10s reuse grace and 5s clock tolerance", () => {
    const config = load();
    expect(config.accessTokenTtlSeconds).toBe(15 * 60);
    expect(config.refreshTokenTtlSeconds).toBe(7 * 24 * 3600);
    expect(config.refreshReuseGraceSeconds).toBe(10);
    expect(config.jwt.clockToleranceSeconds).toBe(5);
  });

  it("runs as development, with introspection on, logging at info, data under ./data", () => {
    const config = load();
    expect(config.env).toBe("development");
    expect(config.introspection).toBe(true);
    expect(config.logLevel).toBe("info");
    expect(config.dataDir).toBe(join(cwd(), "data"));
  });

  it("logs nothing by default under NODE_ENV=test", () => {
    expect(load({ NODE_ENV: "test" }).logLevel).toBe("silent");
  });

  it("turns introspection off by default in production", () => {
    const config = load({ NODE_ENV: "production", JWT_SECRET: STRONG_SECRET });
    expect(config.env).toBe("production");
    expect(config.introspection).toBe(false);
  });

  it("treats blank variables as unset", () => {
    const config = load({ PORT: "  ", HOST: "", JWT_ALG: " ", ACCESS_TOKEN_TTL: "" });
    expect(config.port).toBe(4000);
    expect(config.host).toBe("127.0.0.1");
    expect(config.jwt.algorithm).toBe("HS256");
    expect(config.accessTokenTtlSeconds).toBe(900);
  });

  it("honours HOST, PORT, JWT_ISSUER, JWT_AUDIENCE, LOG_LEVEL and GRAPHQL_INTROSPECTION", () => {
    const config = load({
      HOST: "0.0.0.0",
      PORT: "8080",
      JWT_ISSUER: "https://auth.example",
      JWT_AUDIENCE: "tasks-api",
      LOG_LEVEL: "debug",
      GRAPHQL_INTROSPECTION: "off",
    });
    expect(config.host).toBe("0.0.0.0");
    expect(config.port).toBe(8080);
    expect(config.jwt.issuer).toBe("https://auth.example");
    expect(config.jwt.audience).toBe("tasks-api");
    expect(config.logLevel).toBe("debug");
    expect(config.introspection).toBe(false);
  });
});

describe("loadConfig durations", () => {
  it.each([
    ["ACCESS_TOKEN_TTL", "30m", "accessTokenTtlSeconds", 1800],
    ["ACCESS_TOKEN_TTL", "45", "accessTokenTtlSeconds", 45],
    ["REFRESH_TOKEN_TTL", "14d", "refreshTokenTtlSeconds", 14 * 86_400],
    ["REFRESH_TOKEN_TTL", "12h", "refreshTokenTtlSeconds", 12 * 3600],
    ["REFRESH_REUSE_GRACE", "30s", "refreshReuseGraceSeconds", 30],
    ["REFRESH_REUSE_GRACE", "0s", "refreshReuseGraceSeconds", 0],
  ] as const)("reads %s=%s", (name, text, field, seconds) => {
    expect(load({ [name]: text })[field]).toBe(seconds);
  });

  it("reads JWT_CLOCK_TOLERANCE up to 5m", () => {
    expect(load({ JWT_CLOCK_TOLERANCE: "0" }).jwt.clockToleranceSeconds).toBe(0);
    expect(load({ JWT_CLOCK_TOLERANCE: "5m" }).jwt.clockToleranceSeconds).toBe(300);
  });

  it.each(["soon", "-5m", "1.5h", "15min", "1w", "m"])("refuses ACCESS_TOKEN_TTL=%s", (text) => {
    expect(problemsOf({ ACCESS_TOKEN_TTL: text })).toEqual([
      "ACCESS_TOKEN_TTL must be a duration like 15m, 7d or 10s, from 1s to 86400s",
    ]);
  });

  it("refuses an access token lifetime of 0s", () => {
    expect(problemsOf({ ACCESS_TOKEN_TTL: "0s" })).toEqual([
      "ACCESS_TOKEN_TTL must be a duration like 15m, 7d or 10s, from 1s to 86400s",
    ]);
  });

  it("refuses a refresh token lifetime under a minute", () => {
    expect(problemsOf({ REFRESH_TOKEN_TTL: "59s" })).toEqual([
      "REFRESH_TOKEN_TTL must be a duration like 15m, 7d or 10s, from 60s to 31536000s",
    ]);
  });

  it("refuses a malformed REFRESH_REUSE_GRACE", () => {
    expect(problemsOf({ REFRESH_REUSE_GRACE: "ten seconds" })).toEqual([
      "REFRESH_REUSE_GRACE must be a duration like 15m, 7d or 10s, from 0s to 60s",
    ]);
  });

  it("refuses a clock tolerance above 5m", () => {
    expect(problemsOf({ JWT_CLOCK_TOLERANCE: "301s" })).toEqual([
      "JWT_CLOCK_TOLERANCE must be a duration like 15m, 7d or 10s, from 0s to 300s",
    ]);
  });
});

describe("loadConfig reports every problem at once", () => {
  it("collects every bad variable into one ConfigError", () => {
    const problems = problemsOf({
      NODE_ENV: "production",
      PORT: "http",
      DATABASE_URL: "postgres://db/app",
      JWT_ALG: "none",
      JWT_KID: "not a kid!",
      ACCESS_TOKEN_TTL: "soon",
      REFRESH_TOKEN_TTL: "forever",
      GRAPHQL_INTROSPECTION: "maybe",
    });
    expect(problems).toHaveLength(8);
    expect(problems).toEqual(
      expect.arrayContaining([
        "PORT must be an integer from 0 to 65535",
        "DATABASE_URL must start with mysql://, mariadb:// or sqlite:",
        NONE_PROBLEM,
        "JWT_SECRET is required in production (at least 32 bytes)",
        "JWT_KID may hold only letters, digits, '.', '_' and '-' (at most 64)",
        "ACCESS_TOKEN_TTL must be a duration like 15m, 7d or 10s, from 1s to 86400s",
        "REFRESH_TOKEN_TTL must be a duration like 15m, 7d or 10s, from 60s to 31536000s",
        "GRAPHQL_INTROSPECTION must be true or false",
      ]),
    );
  });

  it("lists every problem in the error message", () => {
    expect(() => load({ PORT: "99999", JWT_ALG: "HS1024" })).toThrow(
      new ConfigError(["PORT must be an integer from 0 to 65535", ALG_PROBLEM]),
    );
    const error = new ConfigError(["first", "second"]);
    expect(error.name).toBe("ConfigError");
    expect(error.message).toBe("Invalid configuration:\n  - first\n  - second");
  });
});

describe("loadConfig lifetime bounds", () => {
  it.each([
    ["ACCESS_TOKEN_TTL", "2d", "from 1s to 86400s"],
    ["REFRESH_TOKEN_TTL", "366d", "from 60s to 31536000s"],
    ["REFRESH_REUSE_GRACE", "2m", "from 0s to 60s"],
  ])("refuses %s=%s, beyond its upper bound", (name, text, range) => {
    expect(problemsOf({ [name]: text })).toEqual([
      `${name} must be a duration like 15m, 7d or 10s, ${range}`,
    ]);
  });
});

describe("loadConfig PORT", () => {
  it.each([
    ["0", 0],
    ["65535", 65_535],
  ])("accepts PORT=%s", (text, port) => {
    expect(load({ PORT: text }).port).toBe(port);
  });

  it.each(["65536", "-1", "80.5", "http", "0x1F90", "1e3"])("refuses PORT=%s", (text) => {
    expect(problemsOf({ PORT: text })).toEqual(["PORT must be an integer from 0 to 65535"]);
  });
});

describe("loadConfig secrets in production", () => {
  it("refuses a missing JWT_SECRET and writes no development secret", () => {
    expect(problemsOf({ NODE_ENV: "production" })).toEqual([
      "JWT_SECRET is required in production (at least 32 bytes)",
    ]);
    expect(existsSync(join(cwd(), "data"))).toBe(false);
  });

  it("does not fall back to a development secret already on disk", () => {
    mkdirSync(join(cwd(), "data"));
    writeFileSync(join(cwd(), "data", "jwt-secret"), Buffer.alloc(48, 7).toString("base64url"));
    expect(problemsOf({ NODE_ENV: "production" })).toEqual([
      "JWT_SECRET is required in production (at least 32 bytes)",
    ]);
  });

  it("refuses a JWT_SECRET shorter than 32 bytes", () => {
    expect(problemsOf({ NODE_ENV: "production", JWT_SECRET: STRONG_SECRET.slice(0, 31) })).toEqual([
      "JWT_SECRET is too weak: it must be at least 32 bytes",
    ]);
  });

  it("refuses a long JWT_SECRET made of too few distinct characters", () => {
    expect(problemsOf({ NODE_ENV: "production", JWT_SECRET: "ab".repeat(32) })).toEqual([
      "JWT_SECRET is too weak: it repeats too few distinct characters",
    ]);
  });

  it("never echoes the refused secret", () => {
    const weak = "hunter2hunter2hunter2hunter2hunt";
    let message = "";
    try {
      load({ NODE_ENV: "production", JWT_SECRET: weak });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("JWT_SECRET is too weak: it repeats too few distinct characters");
    expect(message).not.toContain("hunter2");
  });

  it("accepts a strong secret of exactly 32 bytes as its bytes, writing nothing to disk", () => {
    const secret = STRONG_SECRET.slice(0, 32);
    const config = load({ NODE_ENV: "production", JWT_SECRET: secret });
    expect(config.jwt.secret).toEqual(Buffer.from(secret, "utf8"));
    expect(existsSync(join(cwd(), "data"))).toBe(false);
  });

  it("refuses a weak JWT_SECRET in development too", () => {
    expect(problemsOf({ JWT_SECRET: "short" })).toEqual([
      "JWT_SECRET is too weak: it must be at least 32 bytes",
    ]);
  });
});

describe("secretWeakness", () => {
  it("counts bytes, not characters", () => {
    // 16 two-byte characters: 32 bytes, 16 distinct characters but more distinct bytes.
    expect(secretWeakness(Buffer.from("αβγδεζηθικλμνξοπ", "utf8"))).toBeUndefined();
    expect(secretWeakness(Buffer.from("αβγδεζηθικλμνξο", "utf8"))).toBe(
      "it must be at least 32 bytes",
    );
  });

  it("wants at least 10 distinct byte values", () => {
    const nine = Buffer.from("123456789".repeat(4));
    const ten = Buffer.from("1234567890".repeat(4));
    expect(secretWeakness(nine)).toBe("it repeats too few distinct characters");
    expect(secretWeakness(ten)).toBeUndefined();
  });
});

describe("loadConfig development secret", () => {
  it("generates a 48-byte secret under DATA_DIR in a file of mode 0600", () => {
    const config = load({ DATA_DIR: "state" });
    const file = join(cwd(), "state", "jwt-secret");
    expect(config.dataDir).toBe(join(cwd(), "state"));
    expect(config.jwt.secret).toHaveLength(48);
    expect(readFileSync(file, "utf8").trim()).toBe(config.jwt.secret?.toString("base64url"));
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(join(cwd(), "state"))).toBe(0o700);
  });

  it("reuses the stored secret on the next load without rewriting it", () => {
    const first = load();
    const file = join(cwd(), "data", "jwt-secret");
    const stored = readFileSync(file, "utf8");
    const second = load();
    expect(second.jwt.secret).toEqual(first.jwt.secret);
    expect(readFileSync(file, "utf8")).toBe(stored);
  });

  it("generates different secrets in different data directories", () => {
    const a = load({ DATA_DIR: "a" });
    const b = load({ DATA_DIR: "b" });
    expect(a.jwt.secret?.equals(b.jwt.secret!)).toBe(false);
  });

  it("replaces a weak stored secret and tightens the file to 0600", () => {
    const file = join(cwd(), "data", "jwt-secret");
    mkdirSync(join(cwd(), "data"));
    writeFileSync(file, Buffer.from("weak").toString("base64url"), { mode: 0o644 });
    const config = load();
    expect(config.jwt.secret).toHaveLength(48);
    expect(readFileSync(file, "utf8").trim()).toBe(config.jwt.secret?.toString("base64url"));
    expect(modeOf(file)).toBe(0o600);
  });

  it("tightens a strong stored secret that others could read to 0600", () => {
    const first = load();
    const file = join(cwd(), "data", "jwt-secret");
    chmodSync(file, 0o644);
    expect(load().jwt.secret).toEqual(first.jwt.secret);
    expect(modeOf(file)).toBe(0o600);
  });

  it("writes no secret when another variable is invalid", () => {
    expect(problemsOf({ PORT: "http" })).toEqual(["PORT must be an integer from 0 to 65535"]);
    expect(existsSync(join(cwd(), "data", "jwt-secret"))).toBe(false);
  });

  it.each(["staging", "prod", "Production"])(
    "treats NODE_ENV=%s as production and generates nothing",
    (nodeEnv) => {
      expect(problemsOf({ NODE_ENV: nodeEnv })).toEqual([
        "JWT_SECRET is required in production (at least 32 bytes)",
      ]);
      expect(existsSync(join(cwd(), "data"))).toBe(false);
    },
  );

  it("uses JWT_SECRET when given and then writes nothing", () => {
    const config = load({ JWT_SECRET: STRONG_SECRET });
    expect(config.jwt.secret?.toString("utf8")).toBe(STRONG_SECRET);
    expect(existsSync(join(cwd(), "data"))).toBe(false);
  });
});

describe("loadConfig MIGRATIONS", () => {
  it("applies migrations at start under the lock by default, and waits up to 10m when told to wait", () => {
    expect(load().migrations).toEqual({ mode: "auto", waitTimeoutSeconds: 600 });
    expect(load({ MIGRATIONS: "wait", MIGRATIONS_WAIT_TIMEOUT: "90s" }).migrations).toEqual({
      mode: "wait",
      waitTimeoutSeconds: 90,
    });
    expect(load({ MIGRATIONS: "RUN" }).migrations.mode).toBe("run");
  });

  it("refuses a mode it does not know, and a wait of nothing", () => {
    expect(problemsOf({ MIGRATIONS: "sometimes", MIGRATIONS_WAIT_TIMEOUT: "0s" })).toEqual([
      "MIGRATIONS must be one of auto, run, wait",
      "MIGRATIONS_WAIT_TIMEOUT must be a duration like 15m, 7d or 10s, from 1s to 86400s",
    ]);
  });
});

describe("loadConfig DATABASE_URL", () => {
  it("resolves a relative sqlite: path against the working directory", () => {
    expect(load({ DATABASE_URL: "sqlite:./db/tasks.sqlite" }).database).toEqual({
      kind: "sqlite",
      path: join(cwd(), "db", "tasks.sqlite"),
    });
  });

  it("keeps an absolute sqlite: path, with or without the sqlite:// form", () => {
    const absolute = join(cwd(), "abs.sqlite");
    expect(load({ DATABASE_URL: `sqlite:${absolute}` }).database).toEqual({
      kind: "sqlite",
      path: absolute,
    });
    expect(load({ DATABASE_URL: `sqlite://${absolute}` }).database).toEqual({
      kind: "sqlite",
      path: absolute,
    });
  });

  it("keeps sqlite::memory: as an in-memory database", () => {
    expect(load({ DATABASE_URL: "sqlite::memory:" }).database).toEqual({
      kind: "sqlite",
      path: ":memory:",
    });
  });

  it("refuses sqlite: without a path", () => {
    expect(problemsOf({ DATABASE_URL: "sqlite:" })).toEqual([
      "DATABASE_URL sqlite: needs a file path, like sqlite:./data/app.sqlite",
    ]);
  });

  it("reads mysql:// as MySQL and keeps the URL", () => {
    const url = "mysql://app:s3cret@db.internal:3306/tasks";
    expect(load({ DATABASE_URL: url }).database).toEqual({ kind: "mysql", url, flavour: "mysql" });
  });

  it("reads mariadb:// as MariaDB", () => {
    const url = "mariadb://app:s3cret@db.internal/tasks";
    expect(load({ DATABASE_URL: url }).database).toEqual({
      kind: "mysql",
      url,
      flavour: "mariadb",
    });
  });

  it.each(["mysql://db.internal:3306", "mysql://db.internal:3306/"])(
    "refuses %s, which names no database",
    (url) => {
      expect(problemsOf({ DATABASE_URL: url })).toEqual([
        "DATABASE_URL must name a host and a database, like mysql://user:pass@host:3306/db",
      ]);
    },
  );

  it("refuses an unparsable mysql URL without echoing its password", () => {
    const problems = problemsOf({ DATABASE_URL: "mysql://app:s3cret-pw@:3306/tasks" });
    expect(problems).toEqual(["DATABASE_URL is not a valid URL"]);
    expect(problems.join("\n")).not.toContain("s3cret-pw");
  });

  it.each(["postgres://app@db/tasks", "./data/app.sqlite", "sqlite3:app.db", "mysql:db/app"])(
    "refuses the scheme of %s",
    (url) => {
      expect(problemsOf({ DATABASE_URL: url })).toEqual([
        "DATABASE_URL must start with mysql://, mariadb:// or sqlite:",
      ]);
    },
  );
});

describe("databaseFromEnvironment", () => {
  it("defaults to the SQLite file under ./data", () => {
    expect(databaseFromEnvironment({}, cwd())).toEqual({
      kind: "sqlite",
      path: join(cwd(), "data", "app.sqlite"),
    });
  });

  it("throws a ConfigError for a bad DATABASE_URL", () => {
    expect(() => databaseFromEnvironment({ DATABASE_URL: "redis://cache" }, cwd())).toThrow(
      new ConfigError(["DATABASE_URL must start with mysql://, mariadb:// or sqlite:"]),
    );
  });
});

describe("loadConfig JWT_ALG and keys", () => {
  it.each(["HS384", "HS512", "hs512"])("accepts JWT_ALG=%s with a secret", (text) => {
    expect(load({ JWT_ALG: text, JWT_SECRET: STRONG_SECRET }).jwt.algorithm).toBe(
      text.toUpperCase(),
    );
  });

  it.each(["HS1024", "RS512", "ES384", "EdDSA", "none256"])("refuses JWT_ALG=%s", (text) => {
    expect(problemsOf({ JWT_ALG: text, JWT_SECRET: STRONG_SECRET })).toEqual([ALG_PROBLEM]);
  });

  it.each(["none", "None", "NONE", "nOnE", " none "])("refuses JWT_ALG=%j by name", (text) => {
    expect(problemsOf({ JWT_ALG: text, JWT_SECRET: STRONG_SECRET })).toEqual([NONE_PROBLEM]);
  });

  it("requires both PEM keys for an asymmetric algorithm, even in development", () => {
    expect(problemsOf({ JWT_ALG: "RS256" })).toEqual([
      "JWT_PRIVATE_KEY is required for asymmetric JWT_ALG",
      "JWT_PUBLIC_KEY is required for asymmetric JWT_ALG",
    ]);
    expect(existsSync(join(cwd(), "data"))).toBe(false);
  });

  it("takes PEM text with \\n escapes, as a .env file holds it", () => {
    const config = load({
      JWT_ALG: "ES256",
      JWT_PRIVATE_KEY: EC_PRIVATE_PEM.replace(/\n/g, "\\n"),
      JWT_PUBLIC_KEY: EC_PUBLIC_PEM,
    });
    expect(config.jwt.algorithm).toBe("ES256");
    expect(config.jwt.privateKeyPem).toBe(EC_PRIVATE_PEM);
    expect(config.jwt.publicKeyPem).toBe(EC_PUBLIC_PEM);
    expect(config.jwt.secret).toBeUndefined();
  });

  it("reads PEM files from paths relative to the working directory", () => {
    mkdirSync(join(cwd(), "keys"));
    writeFileSync(join(cwd(), "keys", "private.pem"), RSA_PRIVATE_PEM);
    writeFileSync(join(cwd(), "keys", "public.pem"), RSA_PUBLIC_PEM);
    const config = load({
      NODE_ENV: "production",
      JWT_ALG: "RS256",
      JWT_PRIVATE_KEY: "keys/private.pem",
      JWT_PUBLIC_KEY: "./keys/public.pem",
    });
    expect(config.jwt.privateKeyPem).toBe(RSA_PRIVATE_PEM);
    expect(config.jwt.publicKeyPem).toBe(RSA_PUBLIC_PEM);
  });

  it("refuses a key that is neither PEM text nor a readable file", () => {
    expect(
      problemsOf({ JWT_ALG: "PS256", JWT_PRIVATE_KEY: "missing.pem", JWT_PUBLIC_KEY: "x.pem" }),
    ).toEqual([
      "JWT_PRIVATE_KEY is neither PEM text nor a readable PEM file",
      "JWT_PUBLIC_KEY is neither PEM text nor a readable PEM file",
    ]);
  });
});

describe("loadConfig keys, checked with every other variable", () => {
  const [, OTHER_RSA_PUBLIC_PEM] = pemOf(generateKeyPairSync("rsa", { modulusLength: 2048 }));

  it("reports a bad key pair and a bad PORT together, in one ConfigError", () => {
    let caught: unknown;
    try {
      load({
        PORT: "http",
        JWT_ALG: "RS256",
        JWT_PRIVATE_KEY: RSA_PRIVATE_PEM,
        JWT_PUBLIC_KEY: OTHER_RSA_PUBLIC_PEM,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toBe(
      "Invalid configuration:\n" +
        "  - PORT must be an integer from 0 to 65535\n" +
        "  - JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are not a key pair",
    );
    expect((caught as ConfigError).message).not.toContain("PRIVATE KEY-----");
  });

  it("checks the previous keys even when the current key is missing", () => {
    expect(
      problemsOf({
        JWT_ALG: "ES256",
        JWT_PREVIOUS_KEYS: JSON.stringify([{ alg: "ES256", key: RSA_PUBLIC_PEM }]),
      }),
    ).toEqual([
      "JWT_PRIVATE_KEY is required for asymmetric JWT_ALG",
      "JWT_PUBLIC_KEY is required for asymmetric JWT_ALG",
      "JWT_PREVIOUS_KEYS[0]: ES256 needs an EC key on the P-256 curve",
    ]);
  });

  it("refuses a previous key under the development secret's kid, writing no secret", () => {
    const previous = [{ alg: "HS256", secret: STRONG_SECRET, kid: "dev" }];
    expect(problemsOf({ JWT_KID: "dev", JWT_PREVIOUS_KEYS: JSON.stringify(previous) })).toEqual([
      'two verification keys share the kid "dev"',
    ]);
    expect(existsSync(join(cwd(), "data"))).toBe(false);
  });

  it("hands over the parsed keys: the private key signs, the public one verifies", () => {
    const { keys } = load({
      JWT_ALG: "ES256",
      JWT_PRIVATE_KEY: EC_PRIVATE_PEM,
      JWT_PUBLIC_KEY: EC_PUBLIC_PEM,
      JWT_KID: "ec-1",
    }).jwt;
    expect(keys.signing).toMatchObject({ kid: "ec-1", algorithm: "ES256" });
    expect(keys.signing.key.type).toBe("private");
    expect(keys.verification.map(({ kid, key }) => [kid, key.type])).toEqual([["ec-1", "public"]]);
  });
});

describe("loadConfig JWT_KID", () => {
  it("accepts letters, digits, '.', '_' and '-' up to 64 characters", () => {
    expect(load({ JWT_KID: "key-2030.01_a" }).jwt.kid).toBe("key-2030.01_a");
    expect(load({ JWT_KID: "k".repeat(64) }).jwt.kid).toBe("k".repeat(64));
  });

  it.each(["../../etc/passwd", "a b", "k".repeat(65), "kid\u0000"])("refuses JWT_KID=%j", (kid) => {
    expect(problemsOf({ JWT_KID: kid })).toEqual([
      "JWT_KID may hold only letters, digits, '.', '_' and '-' (at most 64)",
    ]);
  });
});

describe("loadConfig result", () => {
  it("is deeply frozen", () => {
    const config = load({ DATABASE_URL: "mysql://app:pw@db/tasks" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.jwt as { algorithm: string }).algorithm = "none";
    }).toThrow(TypeError);
  });
});

describe("loadConfig JWT_PREVIOUS_KEYS", () => {
  const OLD_SECRET = "Old-secret-Zq7vR2pLm9xW4tK8sN3bH6yJ1cF5";
  const keys = (entries: unknown) => load({ JWT_PREVIOUS_KEYS: JSON.stringify(entries) });
  const previousProblems = (entries: unknown) =>
    problemsOf({ JWT_PREVIOUS_KEYS: JSON.stringify(entries) });

  it("is empty by default", () => {
    expect(load().jwt.previousKeys).toEqual([]);
  });

  it("reads HMAC secrets and public keys, with optional kid and notAfter", () => {
    const config = keys([
      { alg: "HS256", secret: OLD_SECRET },
      { alg: "rs256", key: RSA_PUBLIC_PEM, kid: "2025-a", notAfter: "2030-01-01T00:00:00Z" },
    ]);
    expect(config.jwt.previousKeys).toEqual([
      { algorithm: "HS256", secret: Buffer.from(OLD_SECRET) },
      {
        algorithm: "RS256",
        kid: "2025-a",
        publicKeyPem: RSA_PUBLIC_PEM,
        notAfter: Date.parse("2030-01-01T00:00:00Z") / 1000,
      },
    ]);
  });

  it("reads the array from a JSON file, and PEM keys from files relative to the cwd()", () => {
    writeFileSync(join(cwd(), "old.pem"), EC_PUBLIC_PEM);
    writeFileSync(join(cwd(), "previous.json"), JSON.stringify([{ alg: "ES256", key: "old.pem" }]));
    expect(load({ JWT_PREVIOUS_KEYS: "previous.json" }).jwt.previousKeys).toEqual([
      { algorithm: "ES256", publicKeyPem: EC_PUBLIC_PEM },
    ]);
  });

  it.each(["none", "NONE", "None"])("refuses alg %j in a previous key", (alg) => {
    expect(previousProblems([{ alg, key: EC_PUBLIC_PEM }])).toEqual([
      'JWT_PREVIOUS_KEYS[0].alg "none" is never accepted: tokens must be signed',
    ]);
  });

  it("reports every bad entry at once", () => {
    expect(
      previousProblems([
        { alg: "HS256", secret: "short" },
        { alg: "RS256", secret: OLD_SECRET },
        { alg: "ES256", key: "missing.pem" },
        { key: EC_PUBLIC_PEM },
        { alg: "HS256", secret: OLD_SECRET, kid: "../../etc/passwd" },
        { alg: "HS256", secret: OLD_SECRET, notAfter: "soon", jku: "https://evil" },
        "HS256",
      ]),
    ).toEqual([
      "JWT_PREVIOUS_KEYS[0].secret is too weak: it must be at least 32 bytes",
      'JWT_PREVIOUS_KEYS[1] needs "key" (and no "secret") for RS256',
      "JWT_PREVIOUS_KEYS[2].key is neither PEM text nor a readable PEM file",
      "JWT_PREVIOUS_KEYS[3].alg is required",
      "JWT_PREVIOUS_KEYS[4].kid may hold only letters, digits, '.', '_' and '-' (at most 64)",
      "JWT_PREVIOUS_KEYS[5] has unknown members: jku",
      "JWT_PREVIOUS_KEYS[5].notAfter must be an ISO 8601 date-time",
      'JWT_PREVIOUS_KEYS[6] must be an object like {"alg":"RS256","key":"./old-public.pem"}',
    ]);
  });

  it.each([
    ["{not json", "JWT_PREVIOUS_KEYS must be a JSON array or the path of a readable JSON file"],
    ["[1,", "JWT_PREVIOUS_KEYS is not valid JSON"],
  ])("refuses %j", (text, problem) => {
    expect(problemsOf({ JWT_PREVIOUS_KEYS: text })).toEqual([problem]);
  });

  it("refuses a JSON value that is not an array", () => {
    writeFileSync(join(cwd(), "keys.json"), '{"alg":"HS256"}');
    expect(problemsOf({ JWT_PREVIOUS_KEYS: "keys.json" })).toEqual([
      "JWT_PREVIOUS_KEYS must be a JSON array of keys",
    ]);
  });
});
