import { KeyRing } from "../../../src/auth/key-ring";
import { jwtKeysOf } from "../../../src/config/config";
import type { Principal } from "../../../src/core/principal";
import { TokenService } from "../../../src/auth/token.service";
import type { RevocationView } from "../../../src/revocation/revocation-view";
import { BearerAuthentication, type Subjects } from "../../../src/auth/bearer-authentication";
import type { SessionStanding } from "../../../src/auth/session-directory";
import type { User } from "../../../src/users/user.entity";
import { ServiceUnavailableError } from "../../../src/errors/app-errors";
import { InvalidTokenError, MALFORMED_AUTHORIZATION_MESSAGE } from "../../../src/errors/app-errors";
import { Role } from "../../../src/core/role";
import { CapturedLog } from "../../support/captured-log";
import { frozenClock } from "../../support/frozen-clock";
import { SESSION_ID, USER_ID } from "../../support/principals";

const tokens = new TokenService(
  new KeyRing(
    jwtKeysOf({
      algorithm: "HS256",
      secret: Buffer.from("context-test-secret-0123456789-abcdefghijkl"),
      previousKeys: [],
    }),
  ),
  { issuer: "issuer", audience: "audience", accessTokenTtlSeconds: 900, clockToleranceSeconds: 0 },
  frozenClock(),
);
const { token, tokenId } = tokens.issueAccessToken(
  { userId: USER_ID, roles: [Role.USER] },
  SESSION_ID,
);

/**
 * Sessions and users as the directories hold them: the token's own session of its own user,
 * unless a test says otherwise.
 */
function subjectsOf(
  options: { session?: SessionStanding | null; user?: boolean; failing?: boolean } = {},
): Subjects {
  const answer = <T>(value: T) =>
    options.failing ? Promise.reject(new Error("database down")) : Promise.resolve(value);
  return {
    sessions: {
      get: () =>
        answer(
          options.session === undefined ? { userId: USER_ID, revoked: false } : options.session,
        ),
    },
    users: { get: () => answer(options.user === false ? null : ({ id: USER_ID } as User)) },
  };
}
const everyoneThere = subjectsOf();

/** The header-to-principal step as the context factory calls it. */
function authenticate(
  headers: { authorization?: string; cookie?: string },
  tokenService: TokenService,
  revocations: RevocationView,
  subjects: Subjects = everyoneThere,
): Promise<Principal | null> {
  return new BearerAuthentication(tokenService, revocations, subjects).authenticate(
    headers.authorization,
  );
}

/** A revocation view in which nothing is revoked, or the given sessions are. */
function revocationsOf(revokedSessions: string[] = []): RevocationView {
  return {
    awaitFreshView: () => Promise.resolve(),
    check: (principal) => (revokedSessions.includes(principal.sessionId) ? null : principal),
  };
}
const open = revocationsOf();

/** A TokenService stand-in that records what it was asked to verify. */
function recordingTokens() {
  const seen: string[] = [];
  const stub = {
    verifyAccessToken(presented: string): Principal {
      seen.push(presented);
      return {
        userId: USER_ID,
        sessionId: SESSION_ID,
        tokenId: "t",
        roles: [],
        scope: null,
        issuedAt: 0,
        expiresAt: 1,
      };
    },
  };
  return { seen, tokens: stub as unknown as TokenService };
}

async function refusal(
  authorization: string,
  revocations: RevocationView = open,
): Promise<InvalidTokenError> {
  try {
    await authenticate({ authorization }, tokens, revocations);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return error as InvalidTokenError;
  }
  throw new Error(`expected ${JSON.stringify(authorization)} to be refused`);
}

describe("authenticate", () => {
  it("refuses a valid token whose session is revoked", async () => {
    await expect(
      authenticate({ authorization: `Bearer ${token}` }, tokens, revocationsOf([SESSION_ID])),
    ).rejects.toThrow(InvalidTokenError);
  });

  it("passes on the roles the revocation view leaves, not those the token claims", async () => {
    const narrowing: RevocationView = {
      ...open,
      check: (principal) => ({ ...principal, roles: [] }),
    };
    expect(
      (await authenticate({ authorization: `Bearer ${token}` }, tokens, narrowing))?.roles,
    ).toEqual([]);
  });

  it("fails closed when the revocation view is stale", async () => {
    const stale: RevocationView = {
      ...open,
      check: () => {
        throw new ServiceUnavailableError();
      },
    };
    await expect(authenticate({ authorization: `Bearer ${token}` }, tokens, stale)).rejects.toThrow(
      ServiceUnavailableError,
    );
  });

  it("looks the session up only once the wait for a fresh view is over", async () => {
    // What the fresh read brings in (here: this session revoked) must count for this request.
    const revoked: string[] = [];
    const stalled: RevocationView = {
      ...revocationsOf(revoked),
      awaitFreshView: () => {
        revoked.push(SESSION_ID);
        return Promise.resolve();
      },
    };
    await expect(
      authenticate({ authorization: `Bearer ${token}` }, tokens, stalled),
    ).rejects.toThrow(InvalidTokenError);
  });

  it("refuses a forged token without waiting for the revocation view", async () => {
    let waits = 0;
    const counting: RevocationView = {
      ...open,
      awaitFreshView: () => {
        waits++;
        return Promise.resolve();
      },
    };
    const signatureStart = token.lastIndexOf(".") + 1;
    const flipped = token[signatureStart] === "A" ? "B" : "A";
    const forged = `${token.slice(0, signatureStart)}${flipped}${token.slice(signatureStart + 1)}`;
    await refusal(`Bearer ${forged}`, counting);
    await refusal("Basic abc", counting);
    expect(waits).toBe(0);
  });

  it("returns null, verifying nothing, when there is no Authorization header", async () => {
    const recording = recordingTokens();
    expect(await authenticate({ cookie: "refresh=abc" }, recording.tokens, open)).toBeNull();
    expect(recording.seen).toEqual([]);
  });

  it("returns the principal of a valid bearer token", async () => {
    expect(await authenticate({ authorization: `Bearer ${token}` }, tokens, open)).toEqual({
      userId: USER_ID,
      sessionId: SESSION_ID,
      tokenId,
      roles: ["USER"],
      scope: null,
      issuedAt: expect.any(Number),
      expiresAt: expect.any(Number),
    });
  });

  it.each(["bearer", "BEARER", "BeArEr"])("accepts the scheme name written %s", async (scheme) => {
    expect(
      (await authenticate({ authorization: `${scheme} ${token}` }, tokens, open))?.tokenId,
    ).toBe(tokenId);
  });

  it("hands the token alone, without scheme or surrounding spaces, to the token service", async () => {
    const recording = recordingTokens();
    await authenticate({ authorization: "Bearer   abc.def.ghi  " }, recording.tokens, open);
    expect(recording.seen).toEqual(["abc.def.ghi"]);
  });

  it.each([
    ["another scheme", `Basic ${Buffer.from("user:pass").toString("base64")}`],
    ["a bare token without a scheme", "abc.def.ghi"],
    ["an empty Bearer", "Bearer "],
    ["the scheme alone", "Bearer"],
    ["an empty header", ""],
    ["two tokens", "Bearer abc.def.ghi jkl.mno.pqr"],
    ["characters outside RFC 6750's b64token", "Bearer abc.def.g!i"],
    ["the scheme glued to the token", `Bearer${token}`],
  ])("refuses %s with a 401 invalid_token error", async (_name, authorization) => {
    const error = await refusal(authorization);
    // Not a token refused but a header of the wrong shape: the message says which is expected.
    expect(error.message).toBe(MALFORMED_AUTHORIZATION_MESSAGE);
    expect(error.extensions.code).toBe("UNAUTHENTICATED");
    expect(error.extensions.http).toEqual({
      status: 401,
      headers: new Map([["www-authenticate", 'Bearer error="invalid_token"']]),
    });
  });

  it("passes on the token service's refusal of a bad token", async () => {
    const signatureStart = token.lastIndexOf(".") + 1;
    const flipped = token[signatureStart] === "A" ? "B" : "A";
    const forged = `${token.slice(0, signatureStart)}${flipped}${token.slice(signatureStart + 1)}`;
    expect((await refusal(`Bearer ${forged}`)).message).toBe("The access token is invalid.");
  });
});

describe("BearerAuthentication's record of refusals", () => {
  it("counts each refusal under the check that failed and says which at debug level only", async () => {
    const log = new CapturedLog("debug");
    const bearer = new BearerAuthentication(
      tokens,
      revocationsOf([SESSION_ID]),
      everyoneThere,
      log.logger,
    );
    for (const authorization of ["Token abc", `Bearer ${token}`, "Bearer a.b.c", "Bearer a.b.c"]) {
      await expect(bearer.authenticate(authorization)).rejects.toThrow(InvalidTokenError);
    }
    expect(bearer.refusals.snapshot()).toEqual({
      "authorization-scheme": 1,
      revoked: 1,
      header: 2,
    });
    const lines = log.lines();
    expect(lines.map((line) => [line.level, line.check])).toEqual([
      [20, "authorization-scheme"],
      [20, "revoked"],
      [20, "header"],
      [20, "header"],
    ]);
    expect(log.text()).not.toContain(token);
  });

  it("counts nothing for a request without a token or with a good one", async () => {
    const bearer = new BearerAuthentication(tokens, open, everyoneThere);
    await bearer.authenticate(undefined);
    await bearer.authenticate(`Bearer ${token}`);
    expect(bearer.refusals.snapshot()).toEqual({});
  });
});

describe("BearerAuthentication and the subject behind a token", () => {
  const refusedWith = async (subjects: Subjects) => {
    const bearer = new BearerAuthentication(tokens, open, subjects);
    try {
      await bearer.authenticate(`Bearer ${token}`);
    } catch (error) {
      return error;
    }
    throw new Error("expected a refusal");
  };

  it.each<[string, Subjects, string]>([
    ["whose session is gone", subjectsOf({ session: null }), "session"],
    [
      "whose session was ended",
      subjectsOf({ session: { userId: USER_ID, revoked: true } }),
      "session",
    ],
    [
      "whose session is another user's",
      subjectsOf({ session: { userId: "u-2", revoked: false } }),
      "session",
    ],
    ["whose user is gone", subjectsOf({ user: false }), "subject"],
  ])("refuses a valid token %s like a revoked one (401)", async (_name, subjects, check) => {
    const error = await refusedWith(subjects);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).check).toBe(check);
    expect((error as InvalidTokenError).message).toBe("The access token is invalid.");
    expect((error as InvalidTokenError).extensions.http).toMatchObject({ status: 401 });
  });

  it("refuses with 503 when sessions or users cannot be read (fail closed)", async () => {
    expect(await refusedWith(subjectsOf({ failing: true }))).toBeInstanceOf(
      ServiceUnavailableError,
    );
  });
});
