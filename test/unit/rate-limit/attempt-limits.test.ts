import pino from "pino";
import { AttemptLimits } from "../../../src/rate-limit/attempt-limits";
import type { Attempt } from "../../../src/rate-limit/limited-attempts";
import type { Consumption, RateLimiter } from "../../../src/rate-limit/rate-limiter";
import type { RateLimitConfig } from "../../../src/config/config";
import { ServiceUnavailableError, TooManyRequestsError } from "../../../src/errors/app-errors";
import { frozenClock } from "../../support/frozen-clock";

const WINDOW_SECONDS = 600;

/** Counters in memory, in windows aligned to the clock, recording what was asked of them. */
class MemoryRateLimiter implements RateLimiter {
  readonly counts = new Map<string, number>();
  readonly consumed: string[] = [];
  failing = false;

  constructor(private readonly now: () => number) {}

  consume(bucket: string, hits: number, limit: number): Promise<Consumption> {
    if (this.failing) return Promise.reject(new Error("connection refused"));
    this.consumed.push(bucket);
    const windowMs = WINDOW_SECONDS * 1000;
    const windowStart = Math.floor(this.now() / windowMs) * windowMs;
    const key = `${bucket}@${windowStart}`;
    const total = (this.counts.get(key) ?? 0) + hits;
    this.counts.set(key, total);
    const msBeforeNext = windowStart + windowMs - this.now();
    return Promise.resolve({ allowed: total <= limit, hits: total, msBeforeNext });
  }

  purgeExpired = () => Promise.resolve(0);
  start = () => Promise.resolve();
  stop = () => Promise.resolve();
}

const LIMITS: RateLimitConfig = {
  windowSeconds: WINDOW_SECONDS,
  loginPerAccount: 2,
  loginPerAddress: 4,
  refreshPerSession: 2,
  refreshPerAddress: 4,
};

function setUp(limits: Partial<RateLimitConfig> = {}) {
  // 100 s into a window.
  const clock = frozenClock(new Date(Date.UTC(2030, 0, 1, 0, 0, 100)));
  const store = new MemoryRateLimiter(() => clock.now().getTime());
  const audits: Array<{ operation: string; scope: string; clientAddress: string | null }> = [];
  const logLines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(line) });
  const attemptLimits = new AttemptLimits(
    store,
    { ...LIMITS, ...limits },
    (origin, refusal) =>
      audits.push({
        ...refusal,
        clientAddress: origin.clientAddress,
        ...(origin.requestId ? { requestId: origin.requestId } : {}),
      }),
    logger,
  );
  return { clock, store, audits, logLines, limits: attemptLimits };
}

const login = (account = "a@example.com"): Attempt => ({ operation: "login", account });
const from = { requestId: "", clientAddress: "192.0.2.1", userAgent: null };

async function refusal(promise: Promise<void>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

describe("AttemptLimits", () => {
  it("lets attempts through up to the limit, then refuses with the time left in the window", async () => {
    const { limits } = setUp();
    await limits.admit([login()], from);
    await limits.admit([login()], from);
    const error = await refusal(limits.admit([login()], from));
    expect(error).toBeInstanceOf(TooManyRequestsError);
    const http = (error as TooManyRequestsError).extensions.http as {
      status: number;
      headers: Map<string, string>;
    };
    expect(http.status).toBe(429);
    expect(http.headers.get("retry-after")).toBe(String(WINDOW_SECONDS - 100));
  });

  it("starts counting again in the next window", async () => {
    const { limits, clock } = setUp();
    await limits.admit([login(), login()], from);
    await expect(limits.admit([login()], from)).rejects.toBeInstanceOf(TooManyRequestsError);
    clock.advanceSeconds(WINDOW_SECONDS - 100);
    await limits.admit([login()], from);
  });

  it("counts all the attempts of one document at once", async () => {
    const { limits, store } = setUp();
    await expect(limits.admit([login(), login(), login()], from)).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    // One consume per counter, whatever the number of attempts.
    expect(store.consumed).toHaveLength(2);
  });

  it("counts login and register together, and refresh apart", async () => {
    const { limits } = setUp();
    await limits.admit([login(), { operation: "register", account: "a@example.com" }], from);
    await limits.admit([{ operation: "refresh", sessionId: "s1" }], from);
    await expect(limits.admit([login()], from)).rejects.toBeInstanceOf(TooManyRequestsError);
  });

  it("charges the address first and leaves other counters alone once it is over", async () => {
    const { limits, store, audits } = setUp();
    for (const account of ["a", "b", "c", "d"]) await limits.admit([login(account)], from);
    store.consumed.length = 0;
    await expect(limits.admit([login("e")], from)).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(store.consumed).toEqual(["login:address:192.0.2.1"]);
    expect(audits).toEqual([{ operation: "login", scope: "address", clientAddress: "192.0.2.1" }]);
  });

  it("keys accounts by a hash of the email, never the email itself", async () => {
    const { limits, store } = setUp();
    await limits.admit([login("ada@example.com")], from);
    const buckets = [...store.counts.keys()].join(" ");
    expect(buckets).not.toContain("ada");
    expect(buckets).toMatch(/login:account:[0-9a-f]{64}@/);
  });

  it("audits a refusal with operation, scope and address, without the email", async () => {
    const { limits, audits } = setUp();
    await limits.admit([login("ada@example.com"), login("ada@example.com")], from);
    await expect(
      limits.admit([login("ada@example.com")], { ...from, requestId: "req-1" }),
    ).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(audits).toEqual([
      { operation: "login", scope: "account", clientAddress: "192.0.2.1", requestId: "req-1" },
    ]);
  });

  it("limits refreshes per session and per address", async () => {
    const { limits, audits } = setUp();
    const refresh = (sessionId?: string): Attempt => ({ operation: "refresh", sessionId });
    await limits.admit([refresh("s1"), refresh("s1")], from);
    await expect(limits.admit([refresh("s1")], from)).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(audits.at(-1)?.scope).toBe("session");
    // The address has three so far: two more make five of four.
    await expect(limits.admit([refresh("s2"), refresh()], from)).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    expect(audits.at(-1)?.scope).toBe("address");
  });

  it("counts changePassword per user, and per address with sign-ins", async () => {
    const { limits, audits } = setUp();
    const change: Attempt = { operation: "changePassword", userId: "u-1" };
    await limits.admit([change, change], from);
    await expect(limits.admit([change], from)).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(audits.at(-1)).toMatchObject({ operation: "changePassword", scope: "account" });
    // Three on the address so far: two sign-ins more make five of four.
    await expect(limits.admit([login("x"), login("y")], from)).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    expect(audits.at(-1)).toMatchObject({ operation: "login", scope: "address" });
  });

  it("treats a limit of 0 as no limit", async () => {
    const { limits, store } = setUp({ loginPerAccount: 0, loginPerAddress: 0 });
    for (let i = 0; i < 10; i++) await limits.admit([login()], from);
    expect(store.consumed).toEqual([]);
  });

  it("refuses with 503 when the counters cannot be reached, and logs why", async () => {
    const { limits, store, logLines } = setUp();
    store.failing = true;
    await expect(limits.admit([login()], from)).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(logLines.join("")).toContain("connection refused");
  });
});
