import { accessTokenStore } from "./access-token";
import { singleFlight } from "./single-flight";

// No `refreshToken` in the selection set: the refresh token stays in its HttpOnly cookie, and
// this app never holds it in memory, let alone in storage.
const REFRESH = "mutation RefreshSession { refresh { accessToken } }";

export class SessionExpiredError extends Error {
  constructor() {
    super("Your session has ended. Please sign in again.");
    this.name = "SessionExpiredError";
  }
}

/**
 * Trades the refresh cookie for a new access token. A plain `fetch` rather than an Apollo
 * operation: it must not carry the rejected bearer token (the API answers any request holding an
 * invalid one with 401, `refresh` included), and must not pass through the link that calls it.
 * `refresh` takes no argument, so the API reads the cookie, which the browser sends because this
 * is a same-origin request to the cookie's path.
 */
async function requestAccessToken(): Promise<string> {
  const response = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: REFRESH }),
  });
  const body = (await response.json().catch(() => null)) as {
    data?: { refresh?: { accessToken?: string } } | null;
  } | null;
  const token = body?.data?.refresh?.accessToken;
  if (!response.ok || !token) throw new SessionExpiredError();
  return token;
}

/**
 * Gets a new access token from the refresh cookie and keeps it in memory; single-flight, so every
 * caller during one refresh (the requests that failed together, React's double effects at start)
 * shares one request. Rejects, having forgotten the token, when the session is over.
 */
export const refreshSession = singleFlight(async (): Promise<string> => {
  try {
    const token = await requestAccessToken();
    accessTokenStore.set(token);
    return token;
  } catch (error) {
    accessTokenStore.set(null);
    throw error;
  }
});
