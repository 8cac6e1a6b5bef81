/**
 * Every code a subscription socket is closed with, by this server or by the libraries under it.
 * graphql-ws' own codes mirror HTTP statuses (4400, 4401, 4403, ...): the contract fixes 4401
 * and 4403; the others follow the same convention.
 */
export const CloseCode = {
  /** Server stopping (or restarting): reconnect. RFC 6455. */
  GoingAway: 1001,
  /** Not a WebSocket frame (ws): RFC 6455. */
  ProtocolError: 1002,
  /** A message over the size bound (ws `maxPayload`): RFC 6455. */
  MessageTooBig: 1009,
  /** Not a graphql-transport-ws message (not JSON, unknown type, missing fields): graphql-ws. */
  BadRequest: 4400,
  /** Token missing, bad, revoked, or expired (reason TOKEN_EXPIRED); subscribe before ack. */
  Unauthorized: 4401,
  /** The Origin header is not on CORS_ORIGINS. */
  Forbidden: 4403,
  /** Not the graphql-transport-ws subprotocol: graphql-ws. */
  SubprotocolNotAcceptable: 4406,
  /** No connection_init within the bound: graphql-ws. */
  ConnectionInitialisationTimeout: 4408,
  /** An operation id already in use on the socket: graphql-ws. */
  SubscriberAlreadyExists: 4409,
  /** A second connection_init, too many subscriptions, messages per second, or sockets of a session. */
  TooManyRequests: 4429,
  /** A fault of ours. */
  InternalServerError: 4500,
  /** The revocation view is past its bound (or the database cannot tell): fail closed, retry. */
  ServiceUnavailable: 4503,
} as const;

export const CloseReason = {
  Unauthorized: "Unauthorized",
  TokenExpired: "TOKEN_EXPIRED",
  ForbiddenOrigin: "Forbidden origin",
  TooManySubscriptions: "Too many subscriptions",
  TooManyMessages: "Too many messages",
  TooManySockets: "Too many sockets for this session",
  ServiceUnavailable: "SERVICE_UNAVAILABLE",
  GoingAway: "Server stopping",
} as const;

/** What bounds one instance's sockets. */
export interface SubscriptionLimits {
  /** A socket that sends no connection_init within this is closed (4408). */
  readonly connectionInitTimeoutMs: number;
  /** Largest message a client may send, in bytes (1009 past it). */
  readonly maxPayloadBytes: number;
  /** Open subscriptions per socket (4429 past it). */
  readonly maxSubscriptionsPerSocket: number;
  /** Messages per second per socket, with bursts up to twice that (4429 past it). */
  readonly messagesPerSecond: number;
  /**
   * Signed-in sockets of one session on one instance (4429 at connection_init past it): a person's
   * tabs and devices are a handful, and a revocation closes a session's sockets one by one.
   */
  readonly maxSocketsPerSession: number;
  /** Open sockets per instance; further upgrades get HTTP 503. */
  readonly maxSockets: number;
  /** Ping interval; a socket that has not answered the previous ping is terminated. */
  readonly keepAliveMs: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = {
  connectionInitTimeoutMs: 5_000,
  maxPayloadBytes: 64 * 1024,
  maxSubscriptionsPerSocket: 20,
  messagesPerSecond: 20,
  maxSocketsPerSession: 50,
  maxSockets: 10_000,
  keepAliveMs: 30_000,
};
