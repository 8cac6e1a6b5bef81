import { execFileSync } from "node:child_process";
import { compactVerify } from "jose";
import { createPublicKey, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ME } from "../support/documents";
import { databaseKinds } from "../support/databases";
import { registerUser, type SignedInUser } from "../support/factories";
import {
  decodeToken,
  type Json,
  keyPair,
  type PemKeyPair,
  signAsymmetric,
  signHmac,
  signInput,
  unsigned,
} from "../support/forge";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * The token attacks of RFC 8725, the OWASP JWT cheat sheet and the usual attack tooling
 * (jwt_tool, the Burp JWT editor), each sent as a bearer token to a real server configured with
 * each kind of key. Every one must be refused with 401 and the one vague error, never a 5xx.
 */

type ServerAlg = "HS256" | "RS256" | "ES256";

interface AttackContext {
  readonly alg: ServerAlg;
  readonly genuine: string;
  readonly header: Json;
  /** The genuine claims with roles raised to ADMIN: what a forger wants. */
  readonly elevated: Json;
  readonly secret: string;
  /** The server's own key pair (asymmetric servers only): used for "right key, wrong alg". */
  readonly serverKeys?: PemKeyPair;
  readonly attackerRsa: PemKeyPair;
  readonly attackerEc: PemKeyPair;
  readonly attackerCertificate: string;
  readonly attackerUrl: string;
}

type Attack = (context: AttackContext) => string[];

const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const raw = (text: string) => Buffer.from(text).toString("base64url");

/** Signs with the server's real key (HMAC secret or private key) under the given alg. */
function signWithServerKey(context: AttackContext, header: Json, payload: Json, alg: string) {
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${signInput(input, context.serverKeys?.privateKey ?? context.secret, alg)}`;
}

const ATTACKS: Record<string, Attack> = {
  "alg none in every spelling, unsigned": ({ header, elevated }) =>
    ["none", "None", "NONE", "nOnE", "none ", ""].flatMap((alg) => [
      unsigned({ ...header, alg }, elevated, ""),
      unsigned({ ...header, alg }, elevated, "AA"),
    ]),

  "alg none with the genuine signature kept": ({ genuine, header, elevated }) =>
    ["none", "None", "NONE"].map((alg) =>
      unsigned({ ...header, alg }, elevated, genuine.split(".")[2]),
    ),

  "alg missing, null, or not a string": ({ header, elevated, secret }) =>
    [undefined, null, ["HS256"], { name: "HS256" }, 256].map((alg) =>
      signHmac({ ...header, alg }, elevated, secret, "HS256"),
    ),

  "stripped signature": ({ genuine }) => {
    const [head, body] = genuine.split(".");
    return [`${head}.${body}.`, `${head}.${body}`];
  },

  "claims edited, genuine signature kept": ({ genuine, elevated }) => {
    const [head, , signature] = genuine.split(".");
    return [`${head}.${enc(elevated)}.${signature}`];
  },

  "foreign signature: an attacker's key under the server's kid": (context) => {
    const { header, elevated } = context;
    return [
      signHmac(header, elevated, randomBytes(32), "HS256"),
      signAsymmetric({ ...header, alg: "RS256" }, elevated, context.attackerRsa.privateKey),
      signAsymmetric({ ...header, alg: "ES256" }, elevated, context.attackerEc.privateKey),
      signAsymmetric(header, elevated, context.attackerRsa.privateKey, "RS256"),
    ];
  },

  "algorithm confusion: HS* signed with the server's public key": (context) => {
    const publicKey = context.serverKeys?.publicKey ?? context.attackerRsa.publicKey;
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const forms: Array<string | Buffer> = [
      pem,
      pem.trimEnd(),
      publicKey.export({ type: "spki", format: "der" }),
      JSON.stringify(publicKey.export({ format: "jwk" })),
    ];
    return ["HS256", "HS384", "HS512"].flatMap((alg) =>
      forms.map((secret) => signHmac({ ...context.header, alg }, context.elevated, secret, alg)),
    );
  },

  "embedded jwk header with the attacker's key": (context) => {
    const rsaJwk = context.attackerRsa.publicKey.export({ format: "jwk" });
    const ecJwk = context.attackerEc.publicKey.export({ format: "jwk" });
    const { header, elevated } = context;
    return [
      signAsymmetric(
        { ...header, alg: "RS256", jwk: rsaJwk },
        elevated,
        context.attackerRsa.privateKey,
      ),
      signAsymmetric(
        { alg: "RS256", typ: "at+jwt", jwk: rsaJwk },
        elevated,
        context.attackerRsa.privateKey,
      ),
      signAsymmetric(
        { ...header, alg: "ES256", jwk: ecJwk },
        elevated,
        context.attackerEc.privateKey,
      ),
    ];
  },

  "jku and x5u headers pointing at the attacker's keys": (context) => {
    const { header, elevated, attackerUrl } = context;
    const signed = (extra: Json) =>
      signAsymmetric(
        { ...header, alg: "RS256", ...extra },
        elevated,
        context.attackerRsa.privateKey,
      );
    return [
      signed({ jku: `${attackerUrl}/jwks.json` }),
      signed({ jku: `${attackerUrl}/jwks.json`, kid: "attacker" }),
      signed({ x5u: `${attackerUrl}/cert.pem` }),
      signed({ x5u: `${attackerUrl}/cert.pem`, kid: "attacker" }),
    ];
  },

  "x5c header with the attacker's certificate": (context) => {
    const { header, elevated, attackerCertificate } = context;
    return [
      signAsymmetric(
        { ...header, alg: "RS256", x5c: [attackerCertificate] },
        elevated,
        context.attackerRsa.privateKey,
      ),
      signAsymmetric(
        { alg: "RS256", typ: "at+jwt", x5c: [attackerCertificate] },
        elevated,
        context.attackerRsa.privateKey,
      ),
    ];
  },

  "kid path traversal, signed with what the file would hold": ({ header, elevated }) =>
    [
      "../../../../../../dev/null",
      "/dev/null",
      "../../../../proc/self/environ",
      "..\\..\\..\\windows\\win.ini",
      "%2e%2e%2f%2e%2e%2fdev%2fnull",
    ].flatMap((kid) => [
      signHmac({ ...header, alg: "HS256", kid }, elevated, "", "HS256"),
      signHmac({ ...header, alg: "HS256", kid }, elevated, "\u0000", "HS256"),
    ]),

  "kid injection (SQL, shell, URL)": ({ header, elevated, attackerUrl }) =>
    [
      "' UNION SELECT 'attacker-key' -- ",
      "x' OR '1'='1",
      "1; DROP TABLE users",
      "$(touch /tmp/pwned)",
      "|cat /etc/passwd",
      `${attackerUrl}/key`,
    ].map((kid) => signHmac({ ...header, alg: "HS256", kid }, elevated, "attacker-key", "HS256")),

  "kid of another type, signed with the server's real key": (context) =>
    [42, null, {}, [context.header.kid], true, undefined].map((kid) =>
      signWithServerKey(context, { ...context.header, kid }, context.elevated, context.alg),
    ),

  "ECDSA psychic signature (r = s = 0)": ({ header, elevated }) => {
    const signedPart = `${enc({ ...header, alg: "ES256" })}.${enc(elevated)}`;
    return [
      `${signedPart}.${Buffer.alloc(64).toString("base64url")}`,
      // the same zeros DER-encoded: SEQUENCE { INTEGER 0, INTEGER 0 }
      `${signedPart}.${Buffer.from("3006020100020100", "hex").toString("base64url")}`,
      `${signedPart}.${Buffer.alloc(1).toString("base64url")}`,
    ];
  },

  "the server's own key with another algorithm": (context) => {
    const others = {
      HS256: ["HS384", "HS512"],
      RS256: ["PS256", "RS384", "RS512"],
      ES256: ["ES384", "ES512"],
    };
    return others[context.alg].map((alg) =>
      signWithServerKey(context, { ...context.header, alg }, context.elevated, alg),
    );
  },

  "a genuinely signed token whose claims are not a JSON object": (context) => {
    const key = context.serverKeys?.privateKey ?? context.secret;
    return ["not json", "null", "42", '["sub"]', ""].map((claims) => {
      const input = `${enc(context.header)}.${raw(claims)}`;
      return `${input}.${signInput(input, key, context.alg)}`;
    });
  },

  "malformed shapes": ({ genuine }) => {
    const [head, body, signature] = genuine.split(".");
    return [
      "",
      "a",
      "a.b",
      "a.b.c.d",
      `${head}.${body}.${signature}.${signature}`,
      `${head}.${body}.${signature}.x.y`,
      "..",
      `${head}..${signature}`,
      `.${body}.${signature}`,
      `${head}+/.${body}.${signature}`,
      `${head}.${body}.${signature}==`,
      `${raw("not json")}.${body}.${signature}`,
      `${raw("[1,2]")}.${body}.${signature}`,
      `${raw("null")}.${body}.${signature}`,
      `${raw('"at+jwt"')}.${body}.${signature}`,
      `${head}.${raw("not json")}.${signature}`,
      `${raw("\u00ff\u00fe")}.${body}.${signature}`,
      `${"a".repeat(10_000)}.${body}.${signature}`,
      `${head}.${body}.${"A".repeat(10_000)}`,
      `${enc({ ...decodeToken(genuine).header, pad: "x".repeat(5_000) })}.${body}.${signature}`,
    ];
  },
};

/** An attacker's web server: it must never be asked for anything. */
async function startAttackerServer(jwks: unknown, certificatePem: string) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const body = req.url?.startsWith("/jwks") ? JSON.stringify(jwks) : certificatePem;
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A self-signed certificate for the attacker's RSA key, as an x5c member holds it (base64 DER). */
function selfSignedCertificate(keys: PemKeyPair): { der: string; pem: string } {
  const dir = mkdtempSync(join(tmpdir(), "attacker-"));
  try {
    const keyFile = join(dir, "key.pem");
    writeFileSync(keyFile, keys.privateKeyPem, { mode: 0o600 });
    const pem = execFileSync("openssl", [
      "req",
      "-x509",
      "-new",
      "-key",
      keyFile,
      "-subj",
      "/CN=attacker",
      "-days",
      "1",
    ]).toString();
    const der = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    return { der, pem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SERVER_ALGORITHMS: ServerAlg[] = ["HS256", "RS256", "ES256"];

describe.each(databaseKinds())("forged tokens ($name)", (kind) => {
  const attackerRsa = keyPair("rsa");
  const attackerEc = keyPair("ec");
  const certificate = selfSignedCertificate(attackerRsa);
  let attacker: Awaited<ReturnType<typeof startAttackerServer>>;

  beforeAll(async () => {
    const jwk = attackerRsa.publicKey.export({ format: "jwk" });
    attacker = await startAttackerServer(
      { keys: [{ ...jwk, kid: "attacker", alg: "RS256", use: "sig" }] },
      certificate.pem,
    );
  });
  afterAll(() => attacker.close());

  describe.each(SERVER_ALGORITHMS)("against a %s server", (alg) => {
    const serverKeys = alg === "HS256" ? undefined : keyPair(alg === "RS256" ? "rsa" : "ec");
    let server: TestServer;
    let user: SignedInUser;
    let context: AttackContext;

    beforeAll(async () => {
      server = await startTestServer(kind, {
        env: serverKeys
          ? {
              JWT_ALG: alg,
              JWT_PRIVATE_KEY: serverKeys.privateKeyPem,
              JWT_PUBLIC_KEY: serverKeys.publicKeyPem,
            }
          : {},
      });
      user = await registerUser(server);
      const { header, payload } = decodeToken(user.accessToken);
      context = {
        alg,
        genuine: user.accessToken,
        header,
        elevated: { ...payload, roles: ["USER", "EDITOR", "ADMIN"], jti: randomUUID() },
        secret: server.secret,
        serverKeys,
        attackerRsa,
        attackerEc,
        attackerCertificate: certificate.der,
        attackerUrl: attacker.url,
      };
    });
    afterAll(() => server.close());

    it("accepts the genuine token, and its claims re-signed with the server's own key", async () => {
      expect(decodeToken(user.accessToken).header.alg).toBe(alg);
      for (const token of [
        user.accessToken,
        signWithServerKey(context, context.header, context.elevated, alg),
      ]) {
        const response = await server.gql<{ me: { id: string } }>(ME, {}, { token });
        expect(response.status).toBe(200);
        expect(response.body.data?.me.id).toBe(user.id);
      }
    });

    it.each(Object.keys(ATTACKS))("refuses %s with 401", async (name) => {
      const tokens = ATTACKS[name](context);
      expect(tokens.length).toBeGreaterThan(0);
      for (const [index, token] of tokens.entries()) {
        const response = await server.gql(ME, {}, { token });
        const seen = {
          index,
          status: response.status,
          challenge: response.headers.get("www-authenticate"),
          errors: response.body.errors?.map((error) => error.extensions),
          data: response.body.data,
        };
        expect(seen).toEqual({
          index,
          status: 401,
          challenge: 'Bearer error="invalid_token"',
          errors: [{ code: "UNAUTHENTICATED" }],
          data: undefined,
        });
      }
      expect(attacker.requests).toEqual([]);
    });

    it("refuses a token too large for any HTTP header at the HTTP layer (431), then serves on", async () => {
      const token = `${"a".repeat(64 * 1024)}.b.c`;
      const response = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ME }),
      });
      expect(response.status).toBe(431);
      expect((await server.gql(ME, {}, { token: user.accessToken })).status).toBe(200);
    });
  });

  it("the attacker's material is sound: certificate of its key, signatures that verify under it", async () => {
    const fromCertificate = createPublicKey(certificate.pem).export({ format: "jwk" });
    expect(fromCertificate.n).toBe(attackerRsa.publicKey.export({ format: "jwk" }).n);
    // So the forgeries above fail on our checks, not on broken signing.
    const claims = { sub: "x" };
    for (const [pair, alg] of [
      [attackerRsa, "RS256"],
      [attackerEc, "ES256"],
    ] as const) {
      const token = signAsymmetric({ alg }, claims, pair.privateKey);
      const { payload } = await compactVerify(token, pair.publicKey);
      expect(JSON.parse(Buffer.from(payload).toString())).toEqual(claims);
    }
  });
});
