import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Logger } from "../logging/logger";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** Short and of a charset that cannot forge log structure or smuggle markup into a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The caller's X-Request-Id when it looks like one (so a proxy's or client's id follows the
 * request through our logs), else a fresh UUID. The HTTP app echoes it in the response.
 */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers["x-request-id"];
  return typeof incoming === "string" && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
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

/** Called as a request arrives, with the id it was given; it writes the request's line, if any. */
export type RequestLog = (req: IncomingMessage, res: ServerResponse, requestId: string) => void;

/**
 * Writes a line for the requests worth one: 5xx at `error`; other 4xx (401, 403, 429 among
 * them) and slow requests (at `warn`) always; a `policy.sampleRate` share of the rest, the
 * health probes at `debug`. Every line has the same shape, id, method, path, status and
 * duration, never headers (Authorization, Cookie) nor bodies. Deciding costs a clock read and a
 * listener; pino-http built two child loggers per request whether it wrote a line or not. What
 * counts as an authentication event is in the audit log, which does not sample.
 */
export function requestLogging(logger: Logger, policy: RequestLogPolicy): RequestLog {
  const { sampleRate, slowMs } = policy;
  return (req, res, requestId) => {
    const start = performance.now();
    const url = req.url;
    // On the raw response, so that every way a request ends (answered, refused before routing,
    // abandoned by its client) is seen.
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
  };
}
