import { availableParallelism } from "node:os";
import { configUnderTempDir, STRONG_SECRET } from "../../support/config-loader";

const { load, problemsOf } = configUnderTempDir({ JWT_SECRET: STRONG_SECRET });

describe("loadConfig password hashing and request log", () => {
  it("hashes on cores − 1 (at least 1, at most 3) with 64 waiting, and logs 1% of successes and requests over 1s", () => {
    const config = load();
    expect(config.passwordHashing).toEqual({
      concurrency: Math.max(1, Math.min(availableParallelism() - 1, 3)),
      queue: 64,
    });
    expect(config.requestLog).toEqual({ sampleRate: 0.01, slowMs: 1000 });
  });

  it("reads each of them", () => {
    const config = load({
      PASSWORD_HASH_CONCURRENCY: "8",
      PASSWORD_HASH_QUEUE: "0",
      LOG_SAMPLE_RATE: "25%",
      LOG_SLOW_REQUEST: "250ms",
    });
    expect(config.passwordHashing).toEqual({ concurrency: 8, queue: 0 });
    expect(config.requestLog).toEqual({ sampleRate: 0.25, slowMs: 250 });
    expect(load({ LOG_SAMPLE_RATE: "1" }).requestLog.sampleRate).toBe(1);
    expect(load({ LOG_SAMPLE_RATE: "0" }).requestLog.sampleRate).toBe(0);
  });

  it("refuses what they cannot be, all at once", () => {
    expect(
      problemsOf({
        PASSWORD_HASH_CONCURRENCY: "0",
        PASSWORD_HASH_QUEUE: "-1",
        LOG_SAMPLE_RATE: "1.5",
        LOG_SLOW_REQUEST: "fast",
      }),
    ).toEqual([
      "LOG_SAMPLE_RATE must be a number from 0 to 1, like 0.01, or a percentage like 1%",
      "LOG_SLOW_REQUEST must be a duration like 5s or 500ms, from 1ms to 10m",
      "PASSWORD_HASH_CONCURRENCY must be an integer from 1 to 256",
      "PASSWORD_HASH_QUEUE must be an integer from 0 to 100000",
    ]);
    expect(problemsOf({ LOG_SAMPLE_RATE: "120%" })).toHaveLength(1);
    expect(problemsOf({ LOG_SAMPLE_RATE: "0.5.1" })).toHaveLength(1);
  });
});
