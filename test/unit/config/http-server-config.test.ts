import { configUnderTempDir, STRONG_SECRET } from "../../support/config-loader";

const { load, problemsOf } = configUnderTempDir({ JWT_SECRET: STRONG_SECRET });

describe("HTTP server limits", () => {
  it("defaults to 10 s for headers, 30 s per request, 5 s keep-alive, 30 s idle, 4096 connections", () => {
    expect(load().httpServer).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 30_000,
      maxConnections: 4096,
    });
  });

  it("reads every limit from the environment", () => {
    expect(
      load({
        HTTP_HEADERS_TIMEOUT: "2s",
        HTTP_REQUEST_TIMEOUT: "1m",
        HTTP_KEEP_ALIVE_TIMEOUT: "65s",
        HTTP_IDLE_TIMEOUT: "2m",
        HTTP_MAX_CONNECTIONS: "20000",
      }).httpServer,
    ).toEqual({
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      idleTimeoutMs: 120_000,
      maxConnections: 20_000,
    });
  });

  it("reports every malformed, out-of-range or inconsistent limit at once", () => {
    expect(
      problemsOf({
        HTTP_HEADERS_TIMEOUT: "20s",
        HTTP_REQUEST_TIMEOUT: "10s",
        HTTP_KEEP_ALIVE_TIMEOUT: "0s",
        HTTP_IDLE_TIMEOUT: "forever",
        HTTP_MAX_CONNECTIONS: "0",
      }),
    ).toEqual([
      "HTTP_REQUEST_TIMEOUT must not be shorter than HTTP_HEADERS_TIMEOUT",
      "HTTP_KEEP_ALIVE_TIMEOUT must be a duration like 15m, 7d or 10s, from 1s to 600s",
      "HTTP_IDLE_TIMEOUT must be a duration like 15m, 7d or 10s, from 1s to 3600s",
      "HTTP_MAX_CONNECTIONS must be an integer from 1 to 1000000",
    ]);
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT: "0" })).toEqual([
      "HTTP_HEADERS_TIMEOUT must be a duration like 15m, 7d or 10s, from 1s to 300s",
    ]);
  });
});
