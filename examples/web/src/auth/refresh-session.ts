import { accessTokenStore } from "./access-token";
import { ApiUnreachableError, isApiUnreachable, SessionExpiredError } from "./errors";
import { singleFlight } from "./single-flight";

// No `refreshToken` in the selection set: the refresh token stays in its HttpOnly cookie, and
// this app never holds it in memory, let alone in storage.
const REFRESH = "mutation RefreshSession { refresh { accessToken } }";

/**
 * Trades the refresh cookie for a new access token. A plain `fetch` rather than an Apollo
 * operation: it must not carry the rejected bearer token (the API answers any request holding an
 * invalid one with 401, `refresh` included), and must not pass through the link that calls it.
 * `refresh` takes no argument, so the API reads the cookie, which the browser sends because this
 * is a same-origin request to the cookie's path.
 */
async function requestAccessToken(): Promise<string> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: REFRESH }),
    });
  } catch (error) {
    throw isApiUnreachable(error) ? new ApiUnreachableError({ cause: error }) : error;
  }
  const body = (await response.json().catch(() => null)) as {
    data?: { refresh?: { accessToken?: string } } | null;
  } | null;
  // A proxy's error page, or the API failing (its database down: 503): no verdict on the session,
  // which may well be alive. Only a refused refresh token (200, UNAUTHENTICATED) ends it.
  if (response.status >= 500) throw new ApiUnreachableError();
  const token = body?.data?.refresh?.accessToken;
  if (!response.ok || !token) throw new SessionExpiredError();
  return token;
}

/**
 * Gets a new access token from the refresh cookie and keeps it in memory; single-flight, so every
 * caller during one refresh (the requests that failed together, React's double effects at start)
 * shares one request. Rejects with SessionExpiredError when the session is over and with
 * ApiUnreachableError when the API did not answer; what to forget is the caller's decision.
 */
export const refreshSession = singleFlight(async (): Promise<string> => {
  const token = await requestAccessToken();
  accessTokenStore.set(token);
  return token;
});
