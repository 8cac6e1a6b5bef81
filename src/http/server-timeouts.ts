import type { Server } from "node:http";
import type { HttpServerLimits } from "../config/config";
import type { Logger } from "../logging/logger";
import { type MonotonicClock, systemMonotonic } from "../core/clock";

/** How often a warning about refused connections may be written. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Bounds what one connection may hold, on the node `http.Server` itself so that it does not
 * depend on the framework answering its requests. Node's defaults suit a trusted network
 * rather than the internet: headers may take 60 s, a request 5 minutes, and an idle socket may
 * stay open forever, so a few thousand slow clients (slowloris, a body that never ends) would
 * hold as many sockets and parsers. Call before `listen`: Node reads the checking interval of
 * the header and request timers once, when the server starts listening.
 */
export function applyServerTimeouts(
  server: Server,
  limits: HttpServerLimits,
  logger: Logger,
  monotonicNow: MonotonicClock = systemMonotonic,
): void {
  if (server.listening) throw new Error("applyServerTimeouts must run before listen()");
  // Headers, then the whole request (body included) must arrive within these, counted from the
  // request's first byte; past them Node answers 408 and closes the connection.
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  // Node checks those two timers on an interval (30 s by default, which would let a slowloris
  // client hold its socket 30 s past the bound): check often enough for the bound to hold. It is
  // a createServer option, which Node keeps as this property and reads when listening starts;
  // setting it here works for a server whoever created it (test/integration/http-timeouts
  // fails if it stops working).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(1_000, Math.floor(limits.headersTimeoutMs / 2));
  // Between requests on a kept-alive connection (Node adds one second before it closes).
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // No bytes either way for this long, while a request is read or answered: closed. This is
  // what frees a socket whose client stopped reading its response.
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;

  // At the bound Node refuses (drops) new connections. Idle kept-alive connections are the
  // cheapest to give back, and their clients reconnect when they next need one.
  let lastWarnedAt = -Infinity;
  let dropped = 0;
  server.on("drop", () => {
    dropped++;
    server.closeIdleConnections();
    const now = monotonicNow();
    if (now - lastWarnedAt < DROP_LOG_INTERVAL_MS) return;
    logger.warn(
      { maxConnections: limits.maxConnections, dropped },
      "connection refused: HTTP_MAX_CONNECTIONS reached; idle keep-alive connections closed",
    );
    lastWarnedAt = now;
    dropped = 0;
  });
}
