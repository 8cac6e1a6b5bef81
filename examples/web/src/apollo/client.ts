import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { OperationTypeNode } from "graphql";
import { accessTokenStore } from "../auth/access-token";
import { isApiUnreachable } from "../auth/errors";
import { refreshSession } from "../auth/refresh-session";
import { sessionEndStore } from "../auth/session-end";
import { TASKS } from "../graphql/operations";
import { draftStore } from "../state/drafts";
import { createAuthLink, type AuthLinkOptions } from "./auth-link";
import { createLiveLink } from "./live-link";
import { createLiveSocket } from "./live-socket";

const auth: AuthLinkOptions = {
  getAccessToken: () => accessTokenStore.get()?.jwt ?? null,
  refreshAccessToken: refreshSession,
  onSessionExpired: () => forgetSession("ended"),
  isUnreachable: isApiUnreachable,
};

// The API's WebSocket is on the same `/graphql` path, proxied like HTTP (see vite.config.ts).
const socket = createLiveSocket({
  url: `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/graphql`,
  getAccessToken: auth.getAccessToken,
  // Changes made while the socket was down are not replayed: read the list again.
  onReconnected: () => void client.refetchQueries({ include: [TASKS] }),
});

export const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    createLiveLink({ ...auth, socket }),
    createAuthLink(auth).concat(
      // Same origin: `/graphql` is this app's own path, proxied to the API (see vite.config.ts).
      // JSON POSTs pass the API's CSRF prevention, which refuses requests a form could send.
      new HttpLink({ uri: "/graphql", credentials: "same-origin" }),
    ),
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
