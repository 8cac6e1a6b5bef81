import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { RequestHandler } from "express";
import type { Logger } from "../logging/logger";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** Short and of a charset that cannot forge log structure or smuggle markup into a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

const REQUEST_ID = Symbol("requestId");

type WithRequestId = IncomingMessage & { [REQUEST_ID]?: string };

/**
 * The caller's X-Request-Id when it looks like one (so a proxy's or client's id follows the
 * request through our logs), else a fresh UUID; echoed in the response either way.
 */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers["x-request-id"];
  const id =
    typeof incoming === "string" && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id `requestLogging` gave the request. */
export function requestIdOf(req: IncomingMessage): string {
  return (req as WithRequestId)[REQUEST_ID] ?? "unknown";
}

/** Which requests get a line (see LOG_SAMPLE_RATE and LOG_SLOW_REQUEST). */
export interface RequestLogPolicy {
  /** The fraction of other requests that get one, at random. */
  readonly sampleRate: number;
  /** A request that took this long or longer always gets one, at `warn`. */
  readonly slowMs: number;
}

/** The URL without its query string: GET queries and their variables stay out of the logs. */
function pathOf(url: string | undefined): string {
  const path = url ?? "";
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}

/**
 * Gives every request its id, and writes a line for the requests worth one: 5xx at `error`;
 * other 4xx (401, 403, 429 among them) and slow requests (at `warn`) always; a
 * `policy.sampleRate` share of the rest, the health probes at `debug`. Every line has the same
 * shape, id, method, path, status and duration, never headers (Authorization, Cookie) nor bodies.
 * Deciding costs a clock read and a listener; pino-http built two child loggers per request
 * whether it wrote a line or not. What counts as an authentication event is in the audit log,
 * which does not sample.
 */
export function requestLogging(logger: Logger, policy: RequestLogPolicy): RequestHandler {
  const { sampleRate, slowMs } = policy;
  return (req, res, next) => {
    const requestId = requestIdFor(req, res);
    (req as WithRequestId)[REQUEST_ID] = requestId;
    const start = performance.now();
    // Read now: routers mounted on a path rewrite req.url for their handlers.
    const url = req.url;
    res.once("close", () => {
      const responseTime = Math.round(performance.now() - start);
      const status = res.statusCode;
      const aborted = !res.writableEnded;
      let level: "error" | "warn" | "info" | "debug";
      if (status >= 500) level = "error";
      else if (aborted || responseTime >= slowMs) level = "warn";
      else if (status >= 400) level = "info";
      else if (sampleRate > 0 && Math.random() < sampleRate) {
        const path = pathOf(url);
        // Load balancers poll these every few seconds.
        level = path === "/healthz" || path === "/readyz" ? "debug" : "info";
      } else return;
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId,
          req: { method: req.method, url: pathOf(url) },
          res: { statusCode: status },
          responseTime,
        },
        aborted ? "request aborted" : "request completed",
      );
    });
    next();
  };
}
