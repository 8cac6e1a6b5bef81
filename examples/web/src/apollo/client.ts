import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";
import { accessTokenStore } from "../auth/access-token";
import { isApiUnreachable } from "../auth/errors";
import { refreshSession } from "../auth/refresh-session";
import { sessionEndStore } from "../auth/session-end";
import { draftStore } from "../state/drafts";
import { createAuthLink } from "./auth-link";

export const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: createAuthLink({
    getAccessToken: () => accessTokenStore.get()?.jwt ?? null,
    refreshAccessToken: refreshSession,
    onSessionExpired: () => forgetSession("ended"),
    isUnreachable: isApiUnreachable,
  }).concat(
    // Same origin: `/graphql` is this app's own path, proxied to the API (see vite.config.ts).
    // JSON POSTs pass the API's CSRF prevention, which refuses requests a form could send.
    new HttpLink({ uri: "/graphql", credentials: "same-origin" }),
  ),
});

/**
 * Drops the access token and every cached result of the person who was signed in. A session that
 * ended under their hands (`ended`) keeps their unsaved typing for when they sign in again, and
 * the sign-in screen says what happened; signing out on purpose drops the typing too.
 */
export function forgetSession(reason: "signed-out" | "ended"): void {
  if (reason === "signed-out") draftStore.clear();
  sessionEndStore.set(reason);
  accessTokenStore.set(null);
  void client.clearStore();
}
