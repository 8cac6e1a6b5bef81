import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";
import { accessTokenStore } from "../auth/access-token";
import { refreshSession } from "../auth/refresh-session";
import { createAuthLink } from "./auth-link";

export const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: createAuthLink({
    getAccessToken: () => accessTokenStore.get()?.jwt ?? null,
    refreshAccessToken: refreshSession,
    onSessionExpired: () => forgetSession(),
  }).concat(
    // Same origin: `/graphql` is this app's own path, proxied to the API (see vite.config.ts).
    // JSON POSTs pass the API's CSRF prevention, which refuses requests a form could send.
    new HttpLink({ uri: "/graphql", credentials: "same-origin" }),
  ),
});

/** Drops the access token and every cached result of the person who was signed in. */
export function forgetSession(): void {
  accessTokenStore.set(null);
  void client.clearStore();
}
