import type { GraphQLResolveInfo } from "graphql";
import { QueryFailedError } from "typeorm";
import { ServiceUnavailableError } from "../../../src/errors/app-errors";
import { translatingDatabaseErrors } from "../../../src/graphql/database-errors";

/** What a resolver that returns or throws through the translation gives its caller. */
const throughTranslation = (resolve: () => unknown): Promise<unknown> =>
  Promise.resolve().then(() =>
    translatingDatabaseErrors(resolve)(null, {}, null, {} as GraphQLResolveInfo),
  );

const connectionRefused = () =>
  Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:3306"), {
    code: "ECONNREFUSED",
    errno: -111,
    fatal: true,
  });

describe("translatingDatabaseErrors", () => {
  it("returns what the resolver returned", async () => {
    await expect(throughTranslation(() => Promise.resolve(42))).resolves.toBe(42);
  });

  it("turns an unreachable database into SERVICE_UNAVAILABLE", async () => {
    const outcome = throughTranslation(() => Promise.reject(connectionRefused()));
    await expect(outcome).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(outcome).rejects.toMatchObject({
      message: "The service is temporarily unavailable.",
      extensions: { code: "SERVICE_UNAVAILABLE" },
    });
  });

  it("turns a query that failed on a lost connection into SERVICE_UNAVAILABLE", async () => {
    const lost = Object.assign(new Error("Connection lost"), { code: "PROTOCOL_CONNECTION_LOST" });
    const failure = new QueryFailedError("SELECT 1", [], lost);
    await expect(throughTranslation(() => Promise.reject(failure))).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
  });

  it("turns a conflict with a concurrent transaction into SERVICE_UNAVAILABLE with Retry-After", async () => {
    // What Galera reports at COMMIT when another node's write set won certification.
    const deadlock = Object.assign(new Error("Deadlock found when trying to get lock"), {
      code: "ER_LOCK_DEADLOCK",
      errno: 1213,
    });
    const outcome = throughTranslation(() =>
      Promise.reject(new QueryFailedError("COMMIT", [], deadlock)),
    );
    await expect(outcome).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(outcome).rejects.toMatchObject({
      extensions: {
        code: "SERVICE_UNAVAILABLE",
        http: { status: 503, headers: new Map([["retry-after", "1"]]) },
      },
    });
  });

  it("rethrows any other error as it is", async () => {
    const bug = new TypeError("x is undefined");
    await expect(throughTranslation(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});

describe("translatingDatabaseErrors, synchronously", () => {
  it("returns a plain value as it is, with no promise", () => {
    expect(translatingDatabaseErrors(() => 42)(null, {}, null, {} as GraphQLResolveInfo)).toBe(42);
  });

  it("translates a database error thrown synchronously (better-sqlite3 throws)", () => {
    const resolve = translatingDatabaseErrors(() => {
      throw connectionRefused();
    });
    expect(() => resolve(null, {}, null, {} as GraphQLResolveInfo)).toThrow(
      ServiceUnavailableError,
    );
  });
});
