import { createSecretKey, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { KeyRing } from "../src/auth/key-ring";
import { TokenService } from "../src/auth/token.service";
import { epochSeconds, systemClock } from "../src/core/clock";
import { type AppConfig, jwtKeysOf, type SigningAlgorithm } from "../src/config/config";
import { Role } from "../src/core/role";
import { Authorizer } from "../src/authorization/auth.checker";
import { rules } from "../src/authorization/rules";
import { IssuedPrincipals } from "../src/context/issued-principals";
import type { RequestContext } from "../src/context/context.type";
import { type Measurement, measure, type MicroOptions } from "./measure";
import { requestLoggingCases } from "./request-logging-micro";
import { fixed, printTable } from "./table";

export type { MicroOptions } from "./measure";

const ISSUER = "graphql-jwt-api";
const AUDIENCE = "graphql-jwt-api";
/** The claims and header TokenService puts in every access token. */
function typicalAccessToken(kid: string) {
  const now = epochSeconds(systemClock.now());
  const payload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: randomUUID(),
    iat: now,
    exp: now + 15 * 60,
    jti: randomUUID(),
    sid: randomUUID(),
    roles: [Role.USER],
  };
  const header = { alg: "HS256" as const, typ: "at+jwt", kid };
  return { payload, header };
}

function tokenService(jwtConfig: JwtInput): TokenService {
  return new TokenService(
    new KeyRing(jwtKeysOf(jwtConfig)),
    {
      issuer: jwtConfig.issuer,
      audience: jwtConfig.audience,
      accessTokenTtlSeconds: 15 * 60,
      clockToleranceSeconds: jwtConfig.clockToleranceSeconds,
    },
    systemClock,
  );
}

/** The JWT settings before the config parses the keys, which tokenService does. */
type JwtInput = Omit<AppConfig["jwt"], "keys">;

function asymmetricConfig(algorithm: SigningAlgorithm): JwtInput {
  const publicKeyEncoding = { type: "spki", format: "pem" } as const;
  const privateKeyEncoding = { type: "pkcs8", format: "pem" } as const;
  const pair =
    algorithm === "ES256"
      ? generateKeyPairSync("ec", {
          namedCurve: "prime256v1",
          publicKeyEncoding,
          privateKeyEncoding,
        })
      : generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding });
  return {
    algorithm,
    privateKeyPem: pair.privateKey,
    publicKeyPem: pair.publicKey,
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: 5,
    previousKeys: [],
  };
}

/** Fails loudly if a case under measurement does not do what it claims, e.g. rejects the token. */
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`token micro-benchmark: ${what}`);
}

export function runTokenMicroBenchmark(options: MicroOptions): void {
  const secretText = randomBytes(48).toString("base64url");
  const secretKey = createSecretKey(Buffer.from(secretText, "utf8"));
  const { payload, header } = typicalAccessToken("bench-kid");
  const signOptions: jwt.SignOptions = { algorithm: "HS256", header };
  const verifyOptions: jwt.VerifyOptions = {
    algorithms: ["HS256"],
    issuer: ISSUER,
    audience: AUDIENCE,
    clockTolerance: 5,
  };
  const token = jwt.sign(payload, secretKey, signOptions);
  check(jwt.sign(payload, secretText, signOptions) === token, "string and KeyObject disagree");
  check(
    (jwt.verify(token, secretText, verifyOptions) as jwt.JwtPayload).sub === payload.sub,
    "verify with a string secret failed",
  );

  const results: Measurement[] = [
    measure(
      "jsonwebtoken sign HS256, string secret",
      () => jwt.sign(payload, secretText, signOptions),
      options,
    ),
    measure(
      "jsonwebtoken sign HS256, KeyObject",
      () => jwt.sign(payload, secretKey, signOptions),
      options,
    ),
    measure(
      "jsonwebtoken verify HS256, string secret",
      () => jwt.verify(token, secretText, verifyOptions),
      options,
    ),
    measure(
      "jsonwebtoken verify HS256, KeyObject",
      () => jwt.verify(token, secretKey, verifyOptions),
      options,
    ),
  ];

  const configs: JwtInput[] = [
    {
      algorithm: "HS256",
      secret: Buffer.from(secretText, "utf8"),
      issuer: ISSUER,
      audience: AUDIENCE,
      clockToleranceSeconds: 5,
      previousKeys: [],
    },
    asymmetricConfig("RS256"),
    asymmetricConfig("PS256"),
    asymmetricConfig("ES256"),
  ];
  for (const config of configs) {
    const service = tokenService(config);
    const subject = { userId: randomUUID(), roles: [Role.USER] };
    const sessionId = randomUUID();
    const issued = service.issueAccessToken(subject, sessionId).token;
    check(
      service.verifyAccessToken(issued).userId === subject.userId,
      `TokenService rejected its own ${config.algorithm} token`,
    );
    results.push(
      measure(
        `TokenService.issueAccessToken ${config.algorithm}`,
        () => service.issueAccessToken(subject, sessionId),
        options,
      ),
      measure(
        `TokenService.verifyAccessToken ${config.algorithm}`,
        () => service.verifyAccessToken(issued),
        options,
      ),
    );
  }

  results.push(...ruleChecks(options));
  results.push(...requestLoggingCases(options));

  printTable(
    `Token and field-rule micro-benchmark (in-process, ${options.warmupIterations} warm-up, up to ${options.iterations} timed iterations or ${options.maxMillis} ms each)`,
    ["case", "iterations", "ops/s", "µs/op"],
    results.map(({ name, iterations, millis }) => [
      name,
      String(iterations),
      fixed((iterations * 1000) / millis, 0),
      fixed((millis * 1000) / iterations, 2),
    ]),
  );
  const perOp = (name: string) => {
    const found = results.find((result) => result.name === name);
    return found ? found.millis / found.iterations : Number.NaN;
  };
  const speedUp = (operation: "sign" | "verify") =>
    fixed(
      perOp(`jsonwebtoken ${operation} HS256, string secret`) /
        perOp(`jsonwebtoken ${operation} HS256, KeyObject`),
      1,
    );
  console.log(`KeyObject vs string secret: sign ×${speedUp("sign")}, verify ×${speedUp("verify")}`);
}

/**
 * What a field rule costs per field: the auth checker on `User.email` of another user's record,
 * for an ADMIN (passes) and an EDITOR (refused: builds the error with its detail). A page of 100
 * tasks with their owners' private fields runs it 100 to 400 times.
 */
function ruleChecks(options: MicroOptions): Measurement[] {
  const authorizer = new Authorizer();
  const checkEmail = authorizer.fieldCheck(rules.readUserPrivate, "User.email");
  const parent = { id: randomUUID() };
  const asCaller = (roles: Role[]): RequestContext =>
    ({
      principal: {
        userId: randomUUID(),
        sessionId: randomUUID(),
        tokenId: randomUUID(),
        roles,
        scope: null,
        issuedAt: 0,
        expiresAt: 0,
      },
      issued: new IssuedPrincipals(),
      origin: { requestId: "bench", clientAddress: null, userAgent: null },
    }) as unknown as RequestContext;
  const admin = asCaller([Role.ADMIN]);
  const editor = asCaller([Role.EDITOR]);
  return [
    measure("field rule User.email, ADMIN (allowed)", () => checkEmail(parent, admin), options),
    measure(
      "field rule User.email, EDITOR (refused)",
      () => {
        try {
          checkEmail(parent, editor);
        } catch (error) {
          return error;
        }
        throw new Error("an EDITOR read another user's email");
      },
      options,
    ),
  ];
}
