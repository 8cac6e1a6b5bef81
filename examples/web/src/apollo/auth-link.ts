import { ApolloLink } from "@apollo/client";
import { ServerError } from "@apollo/client/errors";
import { ErrorLink } from "@apollo/client/link/error";
import { defer, switchMap } from "rxjs";

declare module "@apollo/client" {
  interface DefaultContext {
    /** The access token this operation was sent with, if any. */
    sentAccessToken?: string | null;
  }
}

export interface AuthLinkOptions {
  /** The access token to send now, or null when signed out. */
  getAccessToken(): string | null;
  /** Gets and stores a new access token from the refresh cookie; rejects when it cannot. */
  refreshAccessToken(): Promise<unknown>;
  /** Called when a refresh was refused: the person has to sign in again. */
  onSessionExpired(): void;
  /**
   * Whether a failed refresh never reached the API (down, restarting, offline). Such a failure
   * says nothing about the session, so it is passed on to the operation instead of ending it.
   */
  isUnreachable(error: unknown): boolean;
}

/**
 * Sends the in-memory access token as a bearer token and, when the API rejects it (HTTP 401:
 * expired, revoked, or otherwise invalid), gets a new one from the refresh cookie and retries the
 * operation once. Operations that fail together wait for one shared refresh: `refreshAccessToken`
 * is expected to be single-flight, and an operation whose rejected token has already been
 * replaced by someone else's refresh is retried at once without refreshing again.
 */
export function createAuthLink(options: AuthLinkOptions): ApolloLink {
  const bearer = new ApolloLink((operation, forward) => {
    const token = options.getAccessToken();
    operation.setContext(({ headers }) => ({
      headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
      sentAccessToken: token,
    }));
    return forward(operation);
  });

  const refreshOnRejectedToken = new ErrorLink(({ error, operation, forward }) => {
    const { sentAccessToken, response } = operation.getContext();
    if (!sentAccessToken) return;
    // Only a 401 means "this bearer token is not accepted". An UNAUTHENTICATED error with 200
    // (a wrong password, a field that needs a signed-in user) is not cured by a refresh.
    const status = ServerError.is(error) ? error.statusCode : response?.status;
    if (status !== 401) return;
    // ErrorLink hands the retry's outcome straight to the caller without coming back here, so an
    // operation is retried at most once, and a token refused again never starts a refresh loop.
    return defer(() => replaceRejectedToken(options, sentAccessToken, error)).pipe(
      switchMap(() => forward(operation)),
    );
  });

  return ApolloLink.from([refreshOnRejectedToken, bearer]);
}

/**
 * Gets a new access token in place of `rejected`, unless someone else's refresh already did; ends
 * the session when the refresh is refused, and rejects with `error` (or, when the API did not
 * answer, with the refresh's own error, which says nothing about the session). Shared by the HTTP
 * and the WebSocket links, so that both wait for one single-flight refresh.
 */
export async function replaceRejectedToken(
  options: AuthLinkOptions,
  rejected: string | null,
  error: unknown,
): Promise<void> {
  // A rejection that arrives after another operation's refresh has finished needs no refresh of
  // its own: the retry will carry the token that refresh brought.
  const current = options.getAccessToken();
  if (current !== null && current !== rejected) return;
  try {
    await options.refreshAccessToken();
  } catch (refreshError) {
    if (options.isUnreachable(refreshError)) throw refreshError;
    // Only while the rejected token is still the page's: a refusal that lands after the person
    // signed out (their own sign-out revokes the session, which closes the socket) or signed in
    // again must not end anything, nor say the session ended.
    if (options.getAccessToken() === rejected) options.onSessionExpired();
    throw error;
  }
}
