import { ApolloClient, gql, HttpLink, InMemoryCache } from "@apollo/client";
import { describe, expect, it, vi } from "vitest";
import { ApiUnreachableError, isApiUnreachable } from "../auth/errors";
import { singleFlight } from "../auth/single-flight";
import { createAuthLink } from "./auth-link";

const ME = gql`
  query Me {
    me {
      id
    }
  }
`;

type ContentType = "application/json" | "application/graphql-response+json";

/**
 * A stand-in for the API behind a real HttpLink: accepts only `validToken`, and answers any other
 * bearer token as the API does, with 401 and UNAUTHENTICATED.
 */
function fakeApi(options: { validToken: () => string; contentType?: ContentType }) {
  const seen: Array<string | null> = [];
  const fetch = vi.fn((_uri: RequestInfo | URL, init?: RequestInit) => {
    const authorization = new Headers(init?.headers).get("authorization");
    seen.push(authorization);
    const accepted = authorization === `Bearer ${options.validToken()}`;
    const body = accepted
      ? { data: { me: { __typename: "User", id: "u1" } } }
      : {
          errors: [
            {
              message: "Invalid or expired token.",
              extensions: { code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" },
            },
          ],
        };
    return Promise.resolve(
      new Response(JSON.stringify(body), {
        status: accepted ? 200 : 401,
        headers: { "content-type": options.contentType ?? "application/graphql-response+json" },
      }),
    );
  });
  return { fetch, seen };
}

function setUp(
  options: {
    refreshSucceeds?: boolean;
    refreshUnreachable?: boolean;
    contentType?: ContentType;
  } = {},
) {
  let token: string | null = "expired";
  let issued = 0;
  const api = fakeApi({ validToken: () => "fresh-1", contentType: options.contentType });
  const refresh = vi.fn(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (options.refreshUnreachable) throw new ApiUnreachableError();
    if (options.refreshSucceeds === false) throw new Error("refresh refused");
    token = `fresh-${++issued}`;
  });
  const onSessionExpired = vi.fn(() => {
    token = null;
  });
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    // Ten identical queries would otherwise share one request: each must reach the link.
    queryDeduplication: false,
    link: createAuthLink({
      getAccessToken: () => token,
      refreshAccessToken: singleFlight(refresh),
      onSessionExpired,
      isUnreachable: isApiUnreachable,
    }).concat(new HttpLink({ uri: "http://api.test/graphql", fetch: api.fetch })),
  });
  const query = () => client.query({ query: ME, fetchPolicy: "no-cache" });
  return { client, api, refresh, onSessionExpired, query, setToken: (t: string) => (token = t) };
}

describe("singleFlight", () => {
  it("shares one run among calls made while it is in flight, and runs again afterwards", async () => {
    const task = vi.fn(() => new Promise<number>((resolve) => setTimeout(() => resolve(1), 5)));
    const once = singleFlight(task);
    const results = await Promise.all([once(), once(), once()]);
    expect(results).toEqual([1, 1, 1]);
    expect(task).toHaveBeenCalledTimes(1);
    await once();
    expect(task).toHaveBeenCalledTimes(2);
  });

  it("lets the next call try again after a failure", async () => {
    const task = vi.fn().mockRejectedValueOnce(new Error("no")).mockResolvedValueOnce("yes");
    const once = singleFlight(task);
    await expect(Promise.all([once(), once()])).rejects.toThrow("no");
    await expect(once()).resolves.toBe("yes");
    expect(task).toHaveBeenCalledTimes(2);
  });
});

describe("createAuthLink", () => {
  it.each<ContentType>(["application/graphql-response+json", "application/json"])(
    "ten operations rejected at once (401, %s) cause one refresh and are each retried once",
    async (contentType) => {
      const { api, refresh, onSessionExpired, query } = setUp({ contentType });
      const results = await Promise.all(Array.from({ length: 10 }, query));
      expect(results.map((r) => r.data)).toEqual(
        Array.from({ length: 10 }, () => ({ me: { __typename: "User", id: "u1" } })),
      );
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(onSessionExpired).not.toHaveBeenCalled();
      expect(api.seen.filter((h) => h === "Bearer expired")).toHaveLength(10);
      expect(api.seen.filter((h) => h === "Bearer fresh-1")).toHaveLength(10);
    },
  );

  it("retries without refreshing when another refresh already replaced the rejected token", async () => {
    const { refresh, query, setToken, api } = setUp();
    const pending = query();
    // The token changes while this request is on its way, as when a parallel refresh finishes.
    setToken("fresh-1");
    await expect(pending).resolves.toMatchObject({ data: { me: { id: "u1" } } });
    expect(refresh).not.toHaveBeenCalled();
    expect(api.seen).toEqual(["Bearer expired", "Bearer fresh-1"]);
  });

  it("gives up after one retry: a token rejected again is not refreshed in a loop", async () => {
    const { refresh, query, api } = setUp();
    // Refreshing issues fresh-1 (accepted); make every token unacceptable instead.
    api.fetch.mockImplementation(() =>
      Promise.resolve(
        new Response(
          JSON.stringify({ errors: [{ message: "x", extensions: { code: "UNAUTHENTICATED" } }] }),
          {
            status: 401,
            headers: { "content-type": "application/graphql-response+json" },
          },
        ),
      ),
    );
    await expect(query()).rejects.toThrow();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(api.fetch).toHaveBeenCalledTimes(2);
  });

  it("sends everyone to sign-in when the refresh fails, without retrying", async () => {
    const { refresh, onSessionExpired, query, api } = setUp({ refreshSucceeds: false });
    const outcomes = await Promise.allSettled(Array.from({ length: 3 }, query));
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(onSessionExpired).toHaveBeenCalled();
    expect(api.fetch).toHaveBeenCalledTimes(3);
  });

  it("keeps the session when the refresh cannot reach the API, and says so to the operation", async () => {
    const { refresh, onSessionExpired, query, api } = setUp({ refreshUnreachable: true });
    await expect(query()).rejects.toBeInstanceOf(ApiUnreachableError);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(onSessionExpired).not.toHaveBeenCalled();
    expect(api.fetch).toHaveBeenCalledTimes(1);
  });

  it("does not refresh on an UNAUTHENTICATED error with HTTP 200 (for example a wrong password)", async () => {
    const { refresh, query, api } = setUp();
    api.fetch.mockImplementation(() =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            data: null,
            errors: [
              { message: "Invalid email or password.", extensions: { code: "UNAUTHENTICATED" } },
            ],
          }),
          { status: 200, headers: { "content-type": "application/graphql-response+json" } },
        ),
      ),
    );
    await expect(query()).rejects.toThrow("Invalid email or password.");
    expect(refresh).not.toHaveBeenCalled();
  });
});

describe("isApiUnreachable", () => {
  it("tells a fetch that got no answer, or a proxy's 502/503/504 page, from the API's own answers", async () => {
    const offline = await fetch("http://127.0.0.1:9/graphql").catch((error: unknown) => error);
    expect(isApiUnreachable(new TypeError("Failed to fetch"))).toBe(true);
    expect(isApiUnreachable(new ApiUnreachableError())).toBe(true);
    // Node's fetch words it its own way ("fetch failed"), which counts too.
    expect(isApiUnreachable(offline)).toBe(true);
    for (const status of [502, 503, 504]) {
      const proxyPage = await runQuery(new Response("Bad Gateway", { status }));
      expect(isApiUnreachable(proxyPage)).toBe(true);
    }
    const wrongPassword = await runQuery(
      new Response(
        JSON.stringify({ errors: [{ message: "Invalid email or password.", extensions: {} }] }),
        { status: 200, headers: { "content-type": "application/graphql-response+json" } },
      ),
    );
    expect(isApiUnreachable(wrongPassword)).toBe(false);
    expect(isApiUnreachable(await runQuery(new Response("oops", { status: 500 })))).toBe(false);
    expect(isApiUnreachable(new TypeError("x is not a function"))).toBe(false);
  });
});

/** The error Apollo Client reports for a query answered with `response`. */
async function runQuery(response: Response): Promise<unknown> {
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: new HttpLink({ uri: "http://api.test/graphql", fetch: () => Promise.resolve(response) }),
  });
  return client.query({ query: ME, fetchPolicy: "no-cache" }).then(
    () => undefined,
    (error: unknown) => error,
  );
}
