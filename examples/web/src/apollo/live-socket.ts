import { createClient, type Client } from "graphql-ws";

/** Close codes of the API's WebSocket (docs/subscriptions.md). */
export const LiveCloseCode = {
  /** The token is missing, bad, expired (reason `TOKEN_EXPIRED`) or its session was revoked. */
  Unauthorized: 4401,
} as const;

export interface LiveSocketOptions {
  /** `ws://` or `wss://` URL of the API's `/graphql`. */
  readonly url: string;
  /** The access token to open a connection with, or null when signed out. */
  getAccessToken(): string | null;
  /** After a connection that replaced a lost one is acknowledged: events may have been missed. */
  onReconnected(): void;
  /** For tests: a WebSocket implementation other than the browser's. */
  readonly webSocketImpl?: unknown;
}

/** What the live link needs to know about the socket beneath its subscriptions. */
export interface LiveSocket {
  readonly client: Client;
  /** How the socket last closed, until the next connection is acknowledged. */
  lastClose(): { readonly code: number; readonly token: string | null } | null;
  /** How many connections the API has acknowledged so far. */
  acknowledgements(): number;
}

// graphql-ws retries what the API asks it to (4503 while its revocation view is stale, 4500, 1001
// when an instance stops) with this backoff, for as long as someone is subscribed; it never
// retries 4401, which the live link answers with a refresh.
const MAX_RETRY_WAIT_MS = 30_000;
const retryWait = (retries: number) =>
  new Promise<void>((resolve) =>
    setTimeout(resolve, Math.min(MAX_RETRY_WAIT_MS, 1_000 * 2 ** retries) * (0.5 + Math.random())),
  );

/**
 * One graphql-ws client for every subscription of the page (Apollo shares its socket between
 * them). The access token goes in `connection_init`, read afresh at each connection so that a
 * refreshed token is the one sent, never in the URL. Lazy: no socket while nothing is subscribed.
 */
export function createLiveSocket(options: LiveSocketOptions): LiveSocket {
  let tokenSent: string | null = null;
  let lastClose: { code: number; token: string | null } | null = null;
  let acknowledgements = 0;
  const client = createClient({
    url: options.url,
    lazy: true,
    retryAttempts: Infinity,
    retryWait,
    webSocketImpl: options.webSocketImpl,
    connectionParams: () => {
      tokenSent = options.getAccessToken();
      return tokenSent ? { authorization: `Bearer ${tokenSent}` } : {};
    },
    on: {
      connected: () => {
        lastClose = null;
        if (++acknowledgements > 1) options.onReconnected();
      },
      closed: (event) => {
        const code = (event as { code?: unknown } | null)?.code;
        lastClose = typeof code === "number" ? { code, token: tokenSent } : null;
      },
    },
  });
  return { client, lastClose: () => lastClose, acknowledgements: () => acknowledgements };
}
