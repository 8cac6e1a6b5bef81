import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { databaseKinds } from "../support/databases";
import { LOGIN, ME } from "../support/documents";
import { DEFAULT_PASSWORD, uniqueEmail } from "../support/factories";
import { keyPair } from "../support/forge";
import {
  cleanEnv,
  MAIN_JS,
  PROJECT_ROOT,
  run,
  startServerProcess,
  USER_ADD_JS,
} from "../support/processes";
import { postGraphQL } from "../support/test-server";

const STRONG_SECRET = "Zq7-vR2pLm9xW4tK8sN3bH6yJ1cF5dG0aE-Ux_Oi";

interface Tokens {
  accessToken: string;
  user: { roles: string[] };
}

describe("starting with no configuration", () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "gql-jwt-start-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it("serves on an embedded SQLite database with a development secret kept across restarts", async () => {
    const first = await startServerProcess(cwd, cleanEnv());
    let token: string;
    try {
      const email = uniqueEmail();
      const registered = await postGraphQL<{ register: Tokens }>(
        first.url,
        `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { roles } } }`,
        { input: { email, password: DEFAULT_PASSWORD } },
      );
      token = registered.body.data!.register.accessToken;
      expect((await postGraphQL(first.url, ME, {}, { token })).body.errors).toBeUndefined();
    } finally {
      expect(await first.stop("SIGTERM")).toBe(0);
    }

    expect(existsSync(join(cwd, "data", "app.sqlite"))).toBe(true);
    const secretFile = join(cwd, "data", "jwt-secret");
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, "data")).mode & 0o077).toBe(0);
    const secret = readFileSync(secretFile, "utf8");

    const second = await startServerProcess(cwd, cleanEnv());
    try {
      expect(readFileSync(secretFile, "utf8")).toBe(secret);
      const me = await postGraphQL(second.url, ME, {}, { token });
      expect(me.status).toBe(200);
      expect(me.body.errors).toBeUndefined();
    } finally {
      await second.stop();
    }
  });

  it.each([
    ["no JWT_SECRET", {}],
    ["a JWT_SECRET under 32 bytes", { JWT_SECRET: "too-short-secret" }],
    ["a JWT_SECRET of few distinct characters", { JWT_SECRET: "ab".repeat(32) }],
  ])("refuses to start in production with %s, and generates nothing", async (_name, env) => {
    const result = await run(process.execPath, [MAIN_JS], {
      cwd,
      env: cleanEnv({ NODE_ENV: "production", PORT: "0", ...env }),
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain("JWT_SECRET");
    expect(existsSync(join(cwd, "data", "jwt-secret"))).toBe(false);
    if ("JWT_SECRET" in env) expect(result.output).not.toContain(env.JWT_SECRET);
  });

  it("reports every bad variable at once", async () => {
    const result = await run(process.execPath, [MAIN_JS], {
      cwd,
      env: cleanEnv({
        PORT: "http",
        JWT_ALG: "none",
        ACCESS_TOKEN_TTL: "soon",
        DATABASE_URL: "postgres://x",
      }),
    });
    expect(result.code).toBe(1);
    for (const name of ["PORT", "JWT_ALG", "ACCESS_TOKEN_TTL", "DATABASE_URL"])
      expect(result.output).toContain(name);
  });
});

describe.each(databaseKinds())("npm run user:add ($name)", (kind) => {
  // The first call goes through npm, which compiles the project first.
  jest.setTimeout(120_000);
  it("creates a user and later sets their roles, while the server runs", async () => {
    const database = await kind.create();
    const cwd = mkdtempSync(join(tmpdir(), "gql-jwt-cli-"));
    const env = cleanEnv({
      DATABASE_URL: database.url,
      JWT_SECRET: "a".repeat(8) + "bcdefghijklmnopqrstuvwxyz0123456789",
    });
    const server = await startServerProcess(cwd, env);
    try {
      const email = uniqueEmail("admin");
      const added = await run(
        "npm",
        [
          "run",
          "--silent",
          "--prefix",
          PROJECT_ROOT,
          "user:add",
          "--",
          "--email",
          email,
          "--password",
          DEFAULT_PASSWORD,
          "--roles",
          "ADMIN,EDITOR",
        ],
        { cwd, env },
      );
      expect(added.output).toContain(`Created ${email}`);
      expect(added.code).toBe(0);
      expect(added.output).not.toContain(DEFAULT_PASSWORD);

      const login = () =>
        postGraphQL<{ login: Tokens }>(
          server.url,
          LOGIN.replace("user { id email roles }", "user { roles }"),
          {
            input: { email, password: DEFAULT_PASSWORD },
          },
        );
      expect((await login()).body.data?.login.user.roles).toEqual(["EDITOR", "ADMIN"]);

      // The npm script is proven above; the compiled script it runs is enough from here on.
      // The last ADMIN keeps the role however it is asked to lose it, the command line included.
      const lastAdmin = await run(
        process.execPath,
        [USER_ADD_JS, "--email", email, "--password", DEFAULT_PASSWORD, "--roles", "USER"],
        { cwd, env },
      );
      expect(lastAdmin.code).toBe(1);
      expect(lastAdmin.output).toContain("The last ADMIN cannot lose the ADMIN role.");
      expect((await login()).body.data?.login.user.roles).toEqual(["EDITOR", "ADMIN"]);
      const otherAdmin = await run(
        process.execPath,
        [
          USER_ADD_JS,
          "--email",
          uniqueEmail("admin"),
          "--password",
          DEFAULT_PASSWORD,
          "--roles",
          "ADMIN",
        ],
        { cwd, env },
      );
      expect(otherAdmin.code).toBe(0);

      const updated = await run(
        process.execPath,
        [USER_ADD_JS, "--email", email, "--password", DEFAULT_PASSWORD, "--roles", "USER"],
        { cwd, env },
      );
      expect(updated.code).toBe(0);
      expect(updated.output).toContain(`Updated ${email}`);
      // The change is on the audit record: who it was, old and new roles, never the email.
      const audit = updated.output
        .split("\n")
        .filter((line) => line.includes('"event":"user.set_from_cli"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(audit).toEqual([
        expect.objectContaining({
          audit: true,
          created: false,
          oldRoles: ["EDITOR", "ADMIN"],
          newRoles: ["USER"],
          requestId: expect.stringMatching(/^cli-/) as unknown,
        }),
      ]);
      expect(JSON.stringify(audit)).not.toContain(email);
      expect((await login()).body.data?.login.user.roles).toEqual(["USER"]);

      const refused = await run(
        process.execPath,
        [USER_ADD_JS, "--email", email, "--password", DEFAULT_PASSWORD, "--roles", "ROOT"],
        { cwd, env },
      );
      expect(refused.code).not.toBe(0);
      expect(refused.output).toContain("Unknown role");
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
      rmSync(cwd, { recursive: true, force: true });
      await database.drop();
    }
  });
});

describe("refusing keys at start-up", () => {
  let cwd: string;
  const rsa = keyPair("rsa");
  const otherRsa = keyPair("rsa");
  const ec = keyPair("ec");
  const { privateKey: rsa1024 } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const rsa1024Pem = rsa1024.export({ type: "pkcs8", format: "pem" }).toString();
  const rsa1024PublicPem = createPublicKey(rsa1024).export({ type: "spki", format: "pem" });

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "gql-jwt-keys-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it.each([
    ["JWT_ALG none", { JWT_ALG: "None" }, 'JWT_ALG "none" is never accepted'],
    [
      "an RSA key under 2048 bits",
      { JWT_ALG: "RS256", JWT_PRIVATE_KEY: rsa1024Pem, JWT_PUBLIC_KEY: String(rsa1024PublicPem) },
      "RS256 needs an RSA key of at least 2048 bits",
    ],
    [
      "an EC key for RS256",
      { JWT_ALG: "RS256", JWT_PRIVATE_KEY: ec.privateKeyPem, JWT_PUBLIC_KEY: ec.publicKeyPem },
      "RS256 needs an RSA key",
    ],
    [
      "a private and a public key that are not a pair",
      {
        JWT_ALG: "PS256",
        JWT_PRIVATE_KEY: rsa.privateKeyPem,
        JWT_PUBLIC_KEY: otherRsa.publicKeyPem,
      },
      "JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are not a key pair",
    ],
    [
      "a previous key that does not fit its algorithm",
      { JWT_PREVIOUS_KEYS: JSON.stringify([{ alg: "ES256", key: rsa.publicKeyPem }]) },
      "JWT_PREVIOUS_KEYS[0]: ES256 needs an EC key on the P-256 curve",
    ],
  ])("refuses %s, with a message and no stack trace", async (_name, env, message) => {
    const result = await run(process.execPath, [MAIN_JS], {
      cwd,
      env: cleanEnv({ NODE_ENV: "production", PORT: "0", JWT_SECRET: STRONG_SECRET, ...env }),
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain("Invalid configuration");
    expect(result.output).toContain(message);
    expect(result.output).not.toMatch(/\n\s+at /);
    expect(result.output).not.toContain("PRIVATE KEY");
  });
});
