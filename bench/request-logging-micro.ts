import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import pino from "pino";
import { createLogger } from "../src/logging/logger";
import { type RequestLog, requestLogging } from "../src/http/request-logging";
import { type Measurement, measure, type MicroOptions } from "./measure";

/**
 * What the request-logging middleware adds to one request: a request and a response object are
 * made, passed through the middleware and finished, against the same without the middleware. The
 * log goes to /dev/null with synchronous writes, as pino writes to stdout.
 */
export function requestLoggingCases(options: MicroOptions): Measurement[] {
  const socket = new Socket();
  const sink = pino.destination({ dest: "/dev/null", sync: true });
  const policy = { sampleRate: 0.01, slowMs: 1000 };
  const middleware = (level: string): RequestLog =>
    requestLogging(createLogger(level, sink), policy);

  const oneRequest = (handler: RequestLog | null, status: number) => () => {
    const req = new IncomingMessage(socket);
    req.method = "POST";
    req.url = "/graphql";
    req.headers = { "content-type": "application/json", "x-request-id": "bench-request-01" };
    const res = new ServerResponse(req);
    if (handler) handler(req, res, "bench-request-01");
    res.statusCode = status;
    res.end();
    // No socket takes the bytes, so the events the server would see are sent by hand.
    res.emit("finish");
    res.emit("close");
  };

  const info = middleware("info");
  return [
    measure("request: req/res objects alone (baseline)", oneRequest(null, 200), options),
    measure("request logging, 200 at info", oneRequest(info, 200), options),
    measure("request logging, 200 at warn", oneRequest(middleware("warn"), 200), options),
    measure("request logging, 401 at info", oneRequest(info, 401), options),
    measure("request logging, 500 at info", oneRequest(info, 500), options),
  ];
}
