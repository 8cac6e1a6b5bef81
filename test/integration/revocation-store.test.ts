import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { DatabaseRevocationView } from "../../src/revocation/database-revocation-view";
import { Revocation } from "../../src/revocation/revocation.entity";
import { nextRevocationSequence } from "../../src/revocation/revocation-sequence";
import { ServiceUnavailableError } from "../../src/errors/app-errors";
import { createLogger } from "../../src/logging/logger";
import { Role } from "../../src/core/role";
import { databaseKinds, openMigratedDataSource } from "../support/databases";
import { principalOf } from "../support/principals";

describe.each(databaseKinds())("revocation log follower ($name)", (kind) => {
  let opened: Awaited<ReturnType<typeof openMigratedDataSource>>;
  let dataSource: DataSource;
  let monotonic = 0;
  let store: DatabaseRevocationView;
  const inAnHour = () => new Date(Date.now() + 3_600_000);

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
      { pollIntervalMs: 60_000, maxStalenessMs: 1_000, retentionSeconds: 3_600 },
      { now: () => new Date() },
      createLogger("silent"),
      { monotonicNow: () => monotonic },
    );
  });

  /** One read of the log, as the timer would do it. */
  const poll = () => (store as unknown as { poll(): Promise<void> }).poll();
  /** Rows written in one transaction under one sequence number, as the services write them. */
  const insert = (rows: Array<Partial<Revocation>>) =>
    dataSource.transaction(async (manager) => {
      const seq = await nextRevocationSequence(manager);
      await manager.insert(
        Revocation,
        rows.map((row) => ({
          kind: "session" as const,
          roles: null,
          expiresAt: inAnHour(),
          seq,
          ...row,
        })),
      );
    });

  it("loads live rows at start and then only rows it has not applied", async () => {
    const early = randomUUID();
    await insert([{ subject: early }]);
    await store.start();
    expect(store.check(principalOf(early))).toBeNull();

    const later = randomUUID();
    await insert([{ subject: later }]);
    expect(store.check(principalOf(later))).not.toBeNull();
    await poll();
    expect(store.check(principalOf(later))).toBeNull();
  });

  it("picks up a row whose id was skipped because it committed after a higher one", async () => {
    await store.start();
    const late = randomUUID();
    const first = randomUUID();
    await insert([{ id: 100, subject: first }]);
    await poll();
    // id 101 is still "in flight"; 102 commits first.
    await insert([{ id: 102, subject: randomUUID() }]);
    await poll();
    await insert([{ id: 101, subject: late }]);
    await poll();
    expect(store.check(principalOf(late))).toBeNull();
  });

  it("narrows roles to the latest role change, and a later row wins", async () => {
    await store.start();
    await insert([{ kind: "roles", subject: "u-1", roles: [Role.USER] }]);
    await insert([{ kind: "roles", subject: "u-1", roles: [Role.USER, Role.EDITOR] }]);
    await poll();
    expect(
      store.check(principalOf(randomUUID(), [Role.USER, Role.EDITOR, Role.ADMIN]))?.roles,
    ).toEqual([Role.USER, Role.EDITOR]);
  });

  it("does not read a burst again once applied", async () => {
    await store.start();
    await insert(Array.from({ length: 2_000 }, () => ({ subject: randomUUID() })));
    await poll();
    expect(store.stats()).toMatchObject({ revokedSessions: 2_000, rowsRead: 2_000 });
    await poll();
    await poll();
    expect(store.stats().rowsRead).toBe(2_000);
  });

  it("fails closed once the view is older than its bound, and recovers on the next read", async () => {
    await store.start();
    monotonic += 999;
    expect(store.check(principalOf(randomUUID()))).not.toBeNull();
    monotonic += 2;
    expect(() => store.check(principalOf(randomUUID()))).toThrow(ServiceUnavailableError);
    await poll();
    expect(store.check(principalOf(randomUUID()))).not.toBeNull();
  });
});
