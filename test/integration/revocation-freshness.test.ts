import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { DatabaseRevocationLog } from "../../src/revocation/database-revocation-log";
import { DatabaseRevocationView } from "../../src/revocation/database-revocation-view";
import { NoRevocationFanout } from "../../src/revocation/revocation-fanout";
import { Revocation } from "../../src/revocation/revocation.entity";
import { ServiceUnavailableError } from "../../src/errors/app-errors";
import { createLogger } from "../../src/logging/logger";
import { databaseKinds, openMigratedDataSource } from "../support/databases";
import { principalOf } from "../support/principals";

const STALL_WAIT_MS = 300;

/** Whether a promise has settled once the microtasks queued so far have run. */
async function settledAtOnce(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let turn = 0; turn < 5; turn++) await Promise.resolve();
  return settled;
}

/**
 * The wait for a fresh view after a stall, on a real log but with a monotonic clock the test
 * moves by hand: "a stall" is that clock jumping past the bound while no read has run.
 */
describe.each(databaseKinds())("revocation view after a stall ($name)", (kind) => {
  let opened: Awaited<ReturnType<typeof openMigratedDataSource>>;
  let dataSource: DataSource;
  let monotonic = 0;
  let store: DatabaseRevocationView;
  let reads: jest.SpyInstance<Promise<void>, []>;
  /** The store's own read of the log, for a spy that delays its end. */
  let readForReal: () => Promise<void>;

  beforeAll(async () => {
    opened = await openMigratedDataSource(kind);
    dataSource = opened.dataSource;
  });
  afterAll(async () => {
    await store?.stop();
    await opened.close();
  });

  beforeEach(async () => {
    await store?.stop();
    await dataSource.getRepository(Revocation).clear();
    monotonic = 0;
    store = new DatabaseRevocationView(
      dataSource,
      // The timer never fires during a test: every read here is one the test causes.
      {
        pollIntervalMs: 60_000,
        maxStalenessMs: 1_000,
        retentionSeconds: 3_600,
        stallWaitMs: STALL_WAIT_MS,
      },
      { now: () => new Date() },
      createLogger("silent"),
      { monotonicNow: () => monotonic },
    );
    await store.start();
    const internals = store as unknown as { readLog(): Promise<void> };
    readForReal = internals.readLog.bind(store);
    reads = jest.spyOn(store as unknown as { readLog(): Promise<void> }, "readLog");
  });
  afterEach(() => reads.mockRestore());

  /** A revocation committed as the services commit one: numbered in its own transaction. */
  const revoke = (sessionId: string) =>
    dataSource.transaction((manager) =>
      new DatabaseRevocationLog(
        dataSource,
        { retentionSeconds: 3_600 },
        { now: () => new Date() },
        new NoRevocationFanout(),
        createLogger("silent"),
      ).recordSessions(manager, [sessionId]),
    );

  it("waits for one fresh read and then sees what it brought in", async () => {
    const revoked = randomUUID();
    await revoke(revoked);
    monotonic += 1_500;
    expect(() => store.check(principalOf(revoked))).toThrow(ServiceUnavailableError);

    await store.awaitFreshView();
    expect(reads).toHaveBeenCalledTimes(1);
    expect(store.check(principalOf(revoked))).toBeNull();
    expect(store.check(principalOf(randomUUID()))).not.toBeNull();
  });

  it("shares one read among all the requests waiting", async () => {
    monotonic += 1_500;
    await Promise.all(Array.from({ length: 50 }, () => store.awaitFreshView()));
    expect(reads).toHaveBeenCalledTimes(1);
    expect(store.check(principalOf(randomUUID()))).not.toBeNull();
  });

  it("does not end the wait on a read that started before it, but on the next one", async () => {
    // A read in flight when the loop stalled: it read the log before the revocation below was
    // committed, and its answer is handled only after the stall.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let queried!: () => void;
    const done = new Promise<void>((resolve) => (queried = resolve));
    reads.mockImplementationOnce(async () => {
      await readForReal();
      queried();
      await held;
    });
    store.readSoon();
    await done;

    const revoked = randomUUID();
    await revoke(revoked);
    monotonic += 1_500;
    const waiting = store.awaitFreshView();
    release();
    await waiting;

    expect(reads).toHaveBeenCalledTimes(2);
    expect(store.check(principalOf(revoked))).toBeNull();
  });

  it("refuses once the wait is over if no read has ended in time", async () => {
    reads.mockImplementation(() => new Promise(() => undefined)); // the database hangs
    monotonic += 1_500;
    const started = Date.now();
    await store.awaitFreshView();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(STALL_WAIT_MS - 20);
    expect(waited).toBeLessThan(5_000);
    expect(() => store.check(principalOf(randomUUID()))).toThrow(ServiceUnavailableError);
    reads.mockRestore();
    // The hung read never ends, and the store's stop waits for it: release the store instead.
    (store as unknown as { polling?: Promise<void> }).polling = undefined;
  });

  it("does not wait, nor read again, when the last read failed: the log cannot be read", async () => {
    reads.mockRejectedValueOnce(new Error("connection refused"));
    store.readSoon();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads).toHaveBeenCalledTimes(1);
    monotonic += 1_500;

    expect(await settledAtOnce(store.awaitFreshView())).toBe(true);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(() => store.check(principalOf(randomUUID()))).toThrow(ServiceUnavailableError);
  });

  it("ends every wait when a read fails, without waiting out the bound", async () => {
    let fail!: (error: Error) => void;
    reads.mockImplementationOnce(() => new Promise((_resolve, reject) => (fail = reject)));
    monotonic += 1_500;
    const waiting = store.awaitFreshView();
    expect(reads).toHaveBeenCalledTimes(1);
    fail(new Error("connection reset"));
    expect(await settledAtOnce(waiting)).toBe(true);
    expect(() => store.check(principalOf(randomUUID()))).toThrow(ServiceUnavailableError);
  });

  it("does not wait once stopped", async () => {
    await store.stop();
    monotonic += 1_500;
    expect(await settledAtOnce(store.awaitFreshView())).toBe(true);
    expect(reads).not.toHaveBeenCalled();
    expect(() => store.check(principalOf(randomUUID()))).toThrow(ServiceUnavailableError);
  });
});
