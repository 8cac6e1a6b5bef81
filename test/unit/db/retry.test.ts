import { QueryFailedError } from "typeorm";
import { isTransactionConflict } from "../../../src/db/db-errors";
import {
  backoffDelayMs,
  CONFLICT_RETRY_POLICY,
  retryOnConflict,
  type RetryPolicy,
} from "../../../src/db/retry";

/** mysql2's error for a deadlock, and for a Galera certification failure: the same code. */
const deadlock = () =>
  new QueryFailedError(
    "COMMIT",
    [],
    Object.assign(new Error("Deadlock found when trying to get lock; try restarting transaction"), {
      code: "ER_LOCK_DEADLOCK",
      errno: 1213,
      sqlState: "40001",
    }),
  );
const busySnapshot = () =>
  Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY_SNAPSHOT" });
const duplicate = () =>
  new QueryFailedError(
    "INSERT",
    [],
    Object.assign(new Error("Duplicate entry"), { code: "ER_DUP_ENTRY", errno: 1062 }),
  );

const policy: RetryPolicy = { attempts: 5, baseDelayMs: 10, maxDelayMs: 50 };

/** A sleep that records what it was asked to wait, and waits for nothing. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => (waits.push(ms), Promise.resolve()) };
}

/** An operation that fails with the given errors, in order, then returns "done". */
function failingWith(...errors: Array<() => Error>) {
  let runs = 0;
  const operation = jest.fn((attempt: number) => {
    runs += 1;
    expect(attempt).toBe(runs);
    const next = errors[runs - 1];
    return next ? Promise.reject(next()) : Promise.resolve("done");
  });
  return operation;
}

describe("isTransactionConflict", () => {
  it("is true for a deadlock or certification failure, bare or wrapped, and SQLite writers colliding", () => {
    expect(isTransactionConflict(deadlock())).toBe(true);
    expect(isTransactionConflict(deadlock().driverError)).toBe(true);
    expect(isTransactionConflict(busySnapshot())).toBe(true);
    const busy = Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
    expect(isTransactionConflict(busy)).toBe(true);
  });

  it.each([
    ["a unique violation", duplicate()],
    [
      "a lock wait timeout",
      Object.assign(new Error("Lock wait"), { code: "ER_LOCK_WAIT_TIMEOUT" }),
    ],
    ["a bug", new TypeError("undefined is not a function")],
    ["nothing", undefined],
  ])("is false for %s", (_name, error) => {
    expect(isTransactionConflict(error)).toBe(false);
  });
});

describe("retryOnConflict", () => {
  it("returns at once what a first successful run returns, without waiting", async () => {
    const { waits, sleep } = recordingSleep();
    const operation = failingWith();
    await expect(retryOnConflict(operation, { policy, sleep })).resolves.toBe("done");
    expect(operation).toHaveBeenCalledTimes(1);
    expect(waits).toEqual([]);
  });

  it("runs again after conflicts, with jittered waits under doubling caps", async () => {
    const { waits, sleep } = recordingSleep();
    const operation = failingWith(deadlock, busySnapshot, deadlock);
    const retried: number[] = [];
    await expect(
      retryOnConflict(operation, {
        policy,
        sleep,
        random: () => 0.5,
        onRetry: (_error, attempt) => retried.push(attempt),
      }),
    ).resolves.toBe("done");
    expect(operation).toHaveBeenCalledTimes(4);
    // Half of each cap: 10, 20, 40 ms.
    expect(waits).toEqual([5, 10, 20]);
    expect(retried).toEqual([1, 2, 3]);
  });

  it("gives up after the policy's runs and throws the last conflict as it is", async () => {
    const { waits, sleep } = recordingSleep();
    const last = deadlock();
    let runs = 0;
    const operation = () => {
      runs += 1;
      return Promise.reject(runs === policy.attempts ? last : deadlock());
    };
    await expect(retryOnConflict(operation, { policy, sleep, random: () => 0.999 })).rejects.toBe(
      last,
    );
    expect(runs).toBe(policy.attempts);
    // One wait between runs; the caps grow 10, 20, 40 and stop at 50.
    expect(waits).toEqual([9, 19, 39, 49]);
  });

  it("never runs again after an error that is not a conflict", async () => {
    const { waits, sleep } = recordingSleep();
    const failure = duplicate();
    const operation = jest.fn(() => Promise.reject(failure));
    await expect(retryOnConflict(operation, { policy, sleep })).rejects.toBe(failure);
    expect(operation).toHaveBeenCalledTimes(1);
    expect(waits).toEqual([]);
  });

  it("stops at the first non-conflict error even after conflicts", async () => {
    const { sleep } = recordingSleep();
    const operation = failingWith(deadlock, () => new TypeError("bug"));
    await expect(retryOnConflict(operation, { policy, sleep })).rejects.toThrow(TypeError);
    expect(operation).toHaveBeenCalledTimes(2);
  });

  it("takes another predicate when given one", async () => {
    const { sleep } = recordingSleep();
    const operation = failingWith(duplicate);
    await expect(
      retryOnConflict(operation, { policy, sleep, isRetryable: () => true }),
    ).resolves.toBe("done");
  });

  it("waits for real with the default sleep", async () => {
    const started = performance.now();
    const operation = failingWith(deadlock);
    await retryOnConflict(operation, {
      policy: { attempts: 2, baseDelayMs: 30, maxDelayMs: 30 },
      random: () => 0.999,
    });
    // Generous bound: proves a wait happened, not how fast timers are.
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe("backoffDelayMs", () => {
  it("draws from zero up to the cap, which doubles and stops at the maximum", () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(9);
    expect(backoffDelayMs(3, policy, () => 0.999)).toBe(39);
    expect(backoffDelayMs(30, policy, () => 0.999)).toBe(49);
  });

  it("bounds the default policy's total wait", () => {
    let total = 0;
    for (let attempt = 1; attempt < CONFLICT_RETRY_POLICY.attempts; attempt++) {
      total += backoffDelayMs(attempt, CONFLICT_RETRY_POLICY, () => 0.999_999);
    }
    expect(total).toBeLessThan(5_500);
  });
});
