import type { WebSocket } from "ws";
import type { Principal } from "../core/principal";
import type { RequestOrigin } from "../core/request-origin";
import type { LiveSocket } from "./live-sockets";

/** Longest delay setTimeout takes (about 24.8 days); an access token lives at most a day. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One socket's state: whom it speaks for once connection_init was accepted, the timer that
 * closes it when the token expires, its message budget, and the signal its streams end on.
 */
export class LiveConnection implements LiveSocket {
  private verified?: Principal;
  private expiryTimer?: NodeJS.Timeout;
  private readonly ended = new AbortController();
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly ws: WebSocket,
    readonly origin: RequestOrigin,
    private readonly messagesPerSecond: number,
    private readonly monotonicNow: () => number,
  ) {
    this.tokens = messagesPerSecond * 2;
    this.refilledAt = monotonicNow();
  }

  /** Aborted when the socket closes, for whatever reason: the socket's streams end on it. */
  get signal(): AbortSignal {
    return this.ended.signal;
  }

  get principal(): Principal {
    if (!this.verified) throw new Error("The connection is not signed in");
    return this.verified;
  }

  get signedIn(): boolean {
    return this.verified !== undefined;
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN && !this.ended.signal.aborted;
  }

  /** Accepted at connection_init; `closeAtMs` (token expiry) away, `onExpiry` runs. */
  signIn(principal: Principal, closeInMs: number, onExpiry: () => void): void {
    this.verified = principal;
    this.expiryTimer = setTimeout(onExpiry, Math.min(Math.max(0, closeInMs), MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  /** A token bucket: true while the socket stays within its messages per second. */
  takeMessage(): boolean {
    const now = this.monotonicNow();
    const burst = this.messagesPerSecond * 2;
    this.tokens = Math.min(
      burst,
      this.tokens + ((now - this.refilledAt) / 1000) * this.messagesPerSecond,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The first close wins; later calls (graphql-ws' own, after ours) change nothing. */
  close(code: number, reason: string): void {
    if (this.ended.signal.aborted) return;
    this.closed();
    this.ws.close(code, reason);
  }

  /** The socket is gone: timers stop and the streams end. */
  closed(): void {
    clearTimeout(this.expiryTimer);
    if (!this.ended.signal.aborted) this.ended.abort();
  }
}
