import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { requestIdFor, requestLogging } from "../../../src/http/request-logging";
import { CapturedLog } from "../../support/captured-log";

/** One request through the middleware: answered with `status` after `ms`, or abandoned. */
function handle(
  log: CapturedLog,
  options: { url?: string; status?: number; ms?: number; aborted?: boolean; sampleRate?: number },
) {
  const req = new IncomingMessage(new Socket());
  req.method = "POST";
  req.url = options.url ?? "/graphql?query=secret";
  req.headers = { "x-request-id": "req-1" };
  const res = new ServerResponse(req);
  let now = 1_000;
  const clock = jest.spyOn(performance, "now").mockImplementation(() => now);
  const middleware = requestLogging(log.logger, {
    sampleRate: options.sampleRate ?? 0,
    slowMs: 500,
  });
  const requestId = requestIdFor(req);
  expect(requestId).toBe("req-1");
  middleware(req, res, requestId);
  now += options.ms ?? 3;
  res.statusCode = options.status ?? 200;
  if (!options.aborted) res.end();
  res.emit("close");
  clock.mockRestore();
}

const line = (
  level: number,
  statusCode: number,
  responseTime: number,
  msg = "request completed",
) => ({
  level,
  time: expect.any(Number),
  requestId: "req-1",
  req: { method: "POST", url: "/graphql" },
  res: { statusCode },
  responseTime,
  msg,
});

describe("requestLogging", () => {
  afterEach(() => jest.restoreAllMocks());

  it("writes no line for a fast success outside the sample", () => {
    const log = new CapturedLog("trace");
    jest.spyOn(Math, "random").mockReturnValue(0.5);
    handle(log, { sampleRate: 0.1 });
    expect(log.lines()).toEqual([]);
  });

  it("writes one for a fast success inside the sample", () => {
    const log = new CapturedLog("trace");
    jest.spyOn(Math, "random").mockReturnValue(0.05);
    handle(log, { sampleRate: 0.1 });
    expect(log.lines()).toEqual([line(30, 200, 3)]);
  });

  it("samples nothing at rate 0, and health probes at debug only", () => {
    const log = new CapturedLog("trace");
    jest.spyOn(Math, "random").mockReturnValue(0);
    handle(log, { sampleRate: 0 });
    expect(log.lines()).toEqual([]);
    handle(log, { sampleRate: 1, url: "/healthz" });
    expect(log.lines()).toMatchObject([{ level: 20, req: { url: "/healthz" } }]);
  });

  it("always writes 5xx at error, refusals and other 4xx at info, and slow or abandoned requests at warn", () => {
    const log = new CapturedLog("trace");
    jest.spyOn(Math, "random").mockReturnValue(0.99);
    handle(log, { status: 503 });
    handle(log, { status: 401 });
    handle(log, { status: 429 });
    handle(log, { status: 404 });
    handle(log, { status: 200, ms: 500 });
    handle(log, { aborted: true, ms: 40 });
    expect(log.lines()).toEqual([
      line(50, 503, 3),
      line(30, 401, 3),
      line(30, 429, 3),
      line(30, 404, 3),
      line(40, 200, 500),
      line(40, 200, 40, "request aborted"),
    ]);
  });

  it("writes only what the logger's level lets through", () => {
    const log = new CapturedLog("warn");
    handle(log, { status: 401 });
    handle(log, { status: 500 });
    expect(log.lines()).toEqual([line(50, 500, 3)]);
  });
});
