import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "../logging/logger";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** Short and of a charset that cannot forge log structure or smuggle markup into a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

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

/** The id `requestLogging` gave the request (always a string from `requestIdFor`). */
export function requestIdOf(req: IncomingMessage): string {
  if (typeof req.id === "string") return req.id;
  return typeof req.id === "number" ? String(req.id) : "unknown";
}

/** The URL without its query string: GET queries and their variables stay out of the logs. */
function pathOf(url: string | undefined): string {
  const path = url ?? "";
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}

/**
 * One line per request: id, method, path, status and duration. Never headers (Authorization,
 * Cookie) nor bodies (passwords, tokens): pino-http's default serializers would log the headers,
 * so they are replaced. `req.log` carries the request id for anything logged while handling it.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: requestIdFor,
    quietReqLogger: true,
    wrapSerializers: false,
    customAttributeKeys: { reqId: "requestId" },
    serializers: {
      req: (req: IncomingMessage) => ({ method: req.method, url: pathOf(req.url) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return "error";
      // Load balancers poll these every few seconds.
      const path = pathOf(req.url);
      return path === "/healthz" || path === "/readyz" ? "debug" : "info";
    },
  });
}
