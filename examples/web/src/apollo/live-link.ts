import { ApolloLink } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { catchError, defer, switchMap, type Observable } from "rxjs";
import { replaceRejectedToken, type AuthLinkOptions } from "./auth-link";
import { LiveCloseCode, type LiveSocket } from "./live-socket";

/**
 * Runs subscriptions over the API's WebSocket through Apollo's GraphQLWsLink. When the API closes
 * the socket with 4401 (the token expired, or the session was revoked), it renews the token with
 * the same single-flight refresh as the HTTP link and subscribes again on a new connection; a
 * refused refresh ends the session (`onSessionExpired`), as over HTTP.
 *
 * A long-lived subscription meets a 4401 at every token expiry, so it refreshes once per 4401,
 * not once in its life. What it never does is refresh twice without a connection acknowledged in
 * between: a new token refused at `connection_init` is passed on as the subscription's error
 * instead of starting a loop.
 */
export function createLiveLink(
  options: AuthLinkOptions & { readonly socket: LiveSocket },
): ApolloLink {
  const ws = new GraphQLWsLink(options.socket.client);
  return new ApolloLink((operation) => {
    let refreshedAfterAcknowledgement = -1;
    const subscribe = (): Observable<ApolloLink.Result> =>
      ws.request(operation).pipe(
        catchError((error: unknown) => {
          const closed = options.socket.lastClose();
          if (closed?.code !== LiveCloseCode.Unauthorized) throw error;
          const acknowledged = options.socket.acknowledgements();
          if (refreshedAfterAcknowledgement === acknowledged) throw error;
          refreshedAfterAcknowledgement = acknowledged;
          return defer(() => replaceRejectedToken(options, closed.token, error)).pipe(
            switchMap(subscribe),
          );
        }),
      );
    return subscribe();
  });
}
