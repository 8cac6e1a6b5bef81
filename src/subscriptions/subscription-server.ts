import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { handleProtocols, makeServer, type ServerOptions } from "graphql-ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Startable } from "../core/startable";
import type { Principal } from "../core/principal";
import type { Clock } from "../core/clock";
import { systemMonotonic } from "../core/clock";
import { InvalidTokenError, ServiceUnavailableError } from "../errors/app-errors";
import type { Logger } from "../logging/logger";
import { CloseCode, CloseReason, type SubscriptionLimits } from "./close-codes";
import { LiveConnection } from "./live-connection";
import type { LiveSockets } from "./live-sockets";
import { type OperationSources, subscribeOperation } from "./operations";

/** How often the sweep looks at the view's age, and re-reads each socket's session and user. */
const VIEW_CHECK_INTERVAL_MS = 200;
const SUBJECT_CHECK_INTERVAL_MS = 5_000;
/** How long stop waits for clients to answer the close before the sockets are cut. */
const CLOSE_WAIT_MS = 1_000;

export interface SubscriptionServerOptions extends OperationSources {
  readonly path: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly limits: SubscriptionLimits;
  /** CORS_ORIGINS: a browser's Origin must be one of them (no Origin: not a browser, allowed). */
  readonly corsOrigins: readonly string[];
  readonly sockets: LiveSockets;
  /** The Authorization value to a verified principal; throws InvalidTokenError (401) or 503. */
  authenticate(authorization: string): Promise<Principal | null>;
  /** The principal as it stands now, session and user included; null when it is no more. */
  recheck(principal: Principal): Promise<Principal | null>;
  /** Whether the revocation view is within its bound. */
  isViewFresh(): boolean;
  /** Past the bound only because the event loop was busy: waits (bounded) for one fresh read. */
  awaitFreshView(): Promise<void>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
}

type Extra = { readonly connection: LiveConnection };

/**
 * graphql-ws (the graphql-transport-ws subprotocol) on the HTTP server's own port and path.
 * Authentication at connection_init with the HTTP side's bearer checks; each socket closes with
 * 4401 when its session is revoked (LiveSockets, told by the revocation view) or its token
 * expires (a timer at `exp`), and every socket closes with 4503 when the view goes stale.
 */
export class SubscriptionServer implements Startable {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<LiveConnection>();
  private readonly allowedOrigins: ReadonlySet<string>;
  private stopping = false;
  private sweep?: NodeJS.Timeout;
  private lastSubjectCheck = 0;
  private awaitingFreshView = false;

  constructor(private readonly options: SubscriptionServerOptions) {
    this.allowedOrigins = new Set(options.corsOrigins);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.limits.maxPayloadBytes,
      handleProtocols: (protocols) => handleProtocols(protocols) || false,
      // Compression costs memory per socket and opens compression attacks; events are small.
      perMessageDeflate: false,
    });
  }

  get openSockets(): number {
    return this.connections.size;
  }

  /** Called with the HTTP server before it listens. */
  attach(server: Server): void {
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
  }

  start(): Promise<void> {
    this.stopping = false;
    this.sweep = setInterval(() => this.sweepSockets(), VIEW_CHECK_INTERVAL_MS);
    this.sweep.unref();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweep);
    const open = [...this.connections];
    const closed = Promise.all(
      open.map(
        (connection) =>
          new Promise<void>((resolve) => {
            if (!connection.isOpen) return resolve();
            connection.signal.addEventListener("abort", () => resolve(), { once: true });
          }),
      ),
    );
    const sockets = [...this.wss.clients];
    for (const connection of open) connection.close(CloseCode.GoingAway, CloseReason.GoingAway);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      closed,
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    // Clients that did not answer the closing handshake in time are cut.
    for (const ws of sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    if (this.allowedOrigins.has(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      return false;
    }
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? "").split("?")[0];
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== this.options.path) return refuse("404 Not Found");
    if (this.stopping || this.connections.size >= this.options.limits.maxSockets) {
      return refuse("503 Service Unavailable");
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.opened(ws, request));
  }

  private opened(ws: WebSocket, request: IncomingMessage): void {
    const connection = new LiveConnection(
      ws,
      {
        requestId: `ws-${Math.random().toString(36).slice(2, 12)}`,
        clientAddress: request.socket.remoteAddress ?? null,
        userAgent: request.headers["user-agent"] ?? null,
      },
      this.options.limits.messagesPerSecond,
      systemMonotonic,
    );
    this.connections.add(connection);
    ws.on("error", (error) => this.options.logger.debug({ err: error }, "websocket error"));
    const origin = request.headers.origin;
    // Cross-site WebSocket hijacking: a page elsewhere may open a socket to us with its user's
    // cookies. Tokens travel in the payload, not in cookies, but a browser off the list is
    // refused all the same. No Origin header: not a browser (curl, a service, a test). A page of
    // this server's own origin (the playground) is always allowed, as same-origin HTTP is.
    if (origin !== undefined && !this.originAllowed(origin, request.headers.host)) {
      ws.once("close", () => this.connections.delete(connection));
      connection.close(CloseCode.Forbidden, CloseReason.ForbiddenOrigin);
      return;
    }
    let awaitingPong = false;
    const keepAlive = setInterval(() => {
      if (awaitingPong) return ws.terminate();
      awaitingPong = true;
      ws.ping();
    }, this.options.limits.keepAliveMs);
    keepAlive.unref();
    ws.on("pong", () => (awaitingPong = false));

    const closed = this.server.opened(
      {
        protocol: ws.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (ws.readyState !== ws.OPEN) return resolve();
            ws.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) =>
          connection.close(code ?? CloseCode.InternalServerError, reason ?? ""),
        onMessage: (handle) =>
          ws.on("message", (data: Buffer) => {
            if (!connection.isOpen) return;
            if (!connection.takeMessage()) {
              return connection.close(CloseCode.TooManyRequests, CloseReason.TooManyMessages);
            }
            handle(String(data)).catch((error: unknown) => {
              this.options.logger.error({ err: error }, "subscription message failed");
              connection.close(CloseCode.InternalServerError, "Internal server error");
            });
          }),
      },
      { connection } satisfies Extra,
    );
    ws.once("close", (code: number, reason: Buffer) => {
      clearInterval(keepAlive);
      connection.closed();
      this.connections.delete(connection);
      if (connection.signedIn) this.options.sockets.remove(connection);
      void closed(code, String(reason));
    });
  }

  private readonly server = makeServer<Record<string, unknown> | undefined, Extra>({
    schema: this.options.schema,
    connectionInitWaitTimeout: this.options.limits.connectionInitTimeoutMs,
    onConnect: (ctx) => this.connect(ctx.extra.connection, ctx.connectionParams),
    onSubscribe: (ctx, _id, payload) => {
      const { connection } = ctx.extra;
      if (Object.keys(ctx.subscriptions).length > this.options.limits.maxSubscriptionsPerSocket) {
        connection.close(CloseCode.TooManyRequests, CloseReason.TooManySubscriptions);
        return [new GraphQLError(CloseReason.TooManySubscriptions)];
      }
      return subscribeOperation(this.options, connection, payload, (principal) =>
        this.current(connection, principal),
      );
    },
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors
        ? { ...result, errors: result.errors.map((error) => this.format(error)) }
        : undefined,
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => this.format(error)),
  } satisfies ServerOptions<Record<string, unknown> | undefined, Extra>);

  private format(error: GraphQLError): GraphQLFormattedError {
    return this.options.formatError(error.toJSON(), error);
  }

  /** connection_init: the token of the payload, checked as the HTTP side checks a bearer token. */
  private async connect(
    connection: LiveConnection,
    params: Record<string, unknown> | undefined,
  ): Promise<boolean> {
    const authorization = params?.authorization;
    if (typeof authorization !== "string") {
      connection.close(CloseCode.Unauthorized, CloseReason.Unauthorized);
      return false;
    }
    let principal: Principal | null;
    try {
      principal = await this.options.authenticate(authorization);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        const reason =
          error.reason === "TOKEN_EXPIRED" ? CloseReason.TokenExpired : CloseReason.Unauthorized;
        connection.close(CloseCode.Unauthorized, reason);
      } else if (error instanceof ServiceUnavailableError) {
        connection.close(CloseCode.ServiceUnavailable, CloseReason.ServiceUnavailable);
      } else {
        this.options.logger.error({ err: error }, "connection_init failed");
        connection.close(CloseCode.InternalServerError, "Internal server error");
      }
      return false;
    }
    // Closed while the token was checked (by the client, or by the init timeout).
    if (!principal || !connection.isOpen) {
      connection.close(CloseCode.Unauthorized, CloseReason.Unauthorized);
      return false;
    }
    if (
      this.options.sockets.countOf(principal.sessionId) >= this.options.limits.maxSocketsPerSession
    ) {
      connection.close(CloseCode.TooManyRequests, CloseReason.TooManySockets);
      return false;
    }
    const closeInMs = principal.expiresAt * 1000 - this.options.clock.now().getTime();
    connection.signIn(principal, closeInMs, () =>
      connection.close(CloseCode.Unauthorized, CloseReason.TokenExpired),
    );
    this.options.sockets.add(connection);
    // Revoked between the check and the registration: the observer has already run.
    if (this.current(connection, principal) === null) return false;
    return true;
  }

  /**
   * The socket's principal as the revocation view has it now. A revoked session closes the
   * socket (should the observer not have already); a view past its bound closes it with 4503.
   */
  private current(connection: LiveConnection, principal: Principal): Principal | null {
    try {
      const current = this.options.current(principal);
      if (current === null) connection.close(CloseCode.Unauthorized, CloseReason.Unauthorized);
      return current;
    } catch (error) {
      connection.close(CloseCode.ServiceUnavailable, CloseReason.ServiceUnavailable);
      throw error;
    }
  }

  /** Fail closed when the view is stale; every few seconds, sessions and users deleted by hand. */
  private sweepSockets(): void {
    if (this.connections.size === 0) return;
    if (!this.options.isViewFresh()) {
      // As HTTP does: a view past its bound only because the loop was held gets one fresh read
      // (at most a few hundred milliseconds); one that cannot be read closes every socket.
      if (this.awaitingFreshView) return;
      this.awaitingFreshView = true;
      void this.options.awaitFreshView().then(() => {
        this.awaitingFreshView = false;
        if (this.options.isViewFresh()) return;
        for (const connection of [...this.connections]) {
          connection.close(CloseCode.ServiceUnavailable, CloseReason.ServiceUnavailable);
        }
      });
      return;
    }
    const now = systemMonotonic();
    if (now - this.lastSubjectCheck < SUBJECT_CHECK_INTERVAL_MS) return;
    this.lastSubjectCheck = now;
    for (const socket of this.options.sockets.all()) {
      this.options.recheck(socket.principal).then(
        (current) => {
          if (current === null) socket.close(CloseCode.Unauthorized, CloseReason.Unauthorized);
        },
        () => socket.close(CloseCode.ServiceUnavailable, CloseReason.ServiceUnavailable),
      );
    }
  }
}
