/**
 * Where a request came from, as the services are told of it: for their audit lines, the rate-limit
 * counters and the sessions they open. Built once per request by the context factory.
 */
export interface RequestOrigin {
  /** The X-Request-Id of the request, on every log and audit line it causes. */
  readonly requestId: string;
  /** The peer's address, or one from X-Forwarded-For as TRUST_PROXY allows; null outside HTTP. */
  readonly clientAddress: string | null;
  readonly userAgent: string | null;
}
