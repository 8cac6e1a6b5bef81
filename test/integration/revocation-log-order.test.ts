import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { DatabaseRevocationLog } from "../../src/revocation/database-revocation-log";
import { DatabaseRevocationView } from "../../src/revocation/database-revocation-view";
import { NoRevocationFanout } from "../../src/revocation/revocation-fanout";
import { Revocation } from "../../src/revocation/revocation.entity";
import { nextRevocationSequence } from "../../src/revocation/revocation-sequence";
import { retryOnConflict } from "../../src/db/retry";
import { createLogger } from "../../src/logging/logger";
import { Role } from "../../src/core/role";
import { databaseKinds, openDataSource, openMigratedDataSource } from "../support/databases";
import { principalOf } from "../support/principals";

/**
 * The follower never skips a committed revocation, whatever the batch size, the auto-increment
 * step or offset, or the order in which transactions commit (src/auth/revocation-sequence.ts).
 * Writers and the follower use separate connection pools, on separate nodes on Galera (writer 1
 * on node 1, writer 2 and the follower on node 2), as instances do.
 */

/** Larger than the 1,000-id gap the follower used to give up at. */
const LARGE_BATCH = 1_500;
const LATER_REVOCATIONS = 3;

const sessionIds = (count: number) => Array.from({ length: count }, () => randomUUID());

/**
 * A transaction on `dataSource`, retried on conflicts as the services do, whose first run stops
 * at `hold` until `release()`: `before` runs ahead of the hold, `after` behind it.
 */
function heldTransaction(
  dataSource: DataSource,
  steps: {
    before?: (manager: EntityManager) => Promise<void>;
    after?: (manager: EntityManager) => Promise<void>;
  },
) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const atHold = new Promise<void>((resolve) => (holding = resolve));
  let runs = 0;
  const done = retryOnConflict(() =>
    dataSource.transaction(async (manager) => {
      runs += 1;
      await steps.before?.(manager);
      if (runs === 1) {
        holding();
        await released;
      }
      await steps.after?.(manager);
    }),
  );
  // Settles the hold if the first run fails before reaching it.
  done.catch(() => holding());
  return { atHold, release, done, runs: () => runs };
}

describe.each(databaseKinds())("revocation log order ($name)", (kind) => {
  let opened: Awaited<ReturnType<typeof openMigratedDataSource>>;
  /** Writer 1: node 1 on Galera. */
  let first: DataSource;
  /** Writer 2 and the follower: node 2 on Galera, another pool (or SQLite connection) elsewhere. */
  let second: DataSource;
  let store: DatabaseRevocationView;
  /** The write side, as the services use it (the transaction it records in is the caller's). */
  let log: DatabaseRevocationLog;

  beforeAll(async () => {
    opened = await openMigratedDataSource(kind);
    first = opened.dataSource;
    log = new DatabaseRevocationLog(
      first,
      { retentionSeconds: 3_600 },
      { now: () => new Date() },
      new NoRevocationFanout(),
      createLogger("silent"),
    );
    second = await openDataSource(opened.database.nodeUrls?.[1] ?? opened.database.url);
  }, 60_000);
  afterAll(async () => {
    await store?.stop();
    if (second?.isInitialized) await second.destroy();
    await opened?.close();
  });

  beforeEach(async () => {
    await store?.stop();
    store = new DatabaseRevocationView(
      second,
      { pollIntervalMs: 60_000, maxStalenessMs: 60_000, retentionSeconds: 3_600 },
      { now: () => new Date() },
      createLogger("silent"),
    );
    await store.start();
  });

  /** One read of the log, as the timer would do it. */
  const poll = () => (store as unknown as { poll(): Promise<void> }).poll();
  const refused = (sessionId: string) => store.check(principalOf(sessionId)) === null;
  /** Reads until `done` holds, a few times at most: a node may apply a commit a moment later. */
  async function pollUntil(done: () => boolean): Promise<void> {
    for (let reads = 0; reads < 40 && !done(); reads++) {
      await poll();
      if (!done()) await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const revoke = (dataSource: DataSource, ids: readonly string[]) =>
    retryOnConflict(() => dataSource.transaction((manager) => log.recordSessions(manager, ids)));

  it(`refuses all of a ${LARGE_BATCH}-session batch that commits after later revocations were read`, async () => {
    const batch = sessionIds(LARGE_BATCH);
    const later = sessionIds(LATER_REVOCATIONS);
    // The batch's transaction is open (it has read what it will revoke) while others commit.
    const held = heldTransaction(first, {
      before: async (manager) => {
        await manager.query("SELECT COUNT(*) AS n FROM revocations");
      },
      after: (manager) => log.recordSessions(manager, batch),
    });
    await held.atHold;
    for (const id of later) await revoke(second, [id]);
    await pollUntil(() => later.every(refused));
    expect(later.filter((id) => !refused(id))).toEqual([]);
    expect(batch.filter(refused)).toEqual([]);

    held.release();
    await held.done;
    await pollUntil(() => batch.every(refused));
    expect(batch.filter((id) => !refused(id))).toEqual([]);
    expect(later.filter((id) => !refused(id))).toEqual([]);
  });

  it("refuses roles by the latest commit, not the highest id", async () => {
    // Ids say nothing of commit order across Galera nodes; a row with a lower id can be newer.
    const userId = `u-${randomUUID()}`;
    const write = (id: number, roles: Role[]) =>
      first.transaction(async (manager) => {
        const seq = await nextRevocationSequence(manager);
        await manager.insert(Revocation, {
          id,
          seq,
          kind: "roles",
          subject: userId,
          roles,
          expiresAt: new Date(Date.now() + 3_600_000),
        });
      });
    const base = Number(
      (await first.query("SELECT COALESCE(MAX(id), 0) AS id FROM revocations"))[0].id,
    );
    await write(base + 5_000, [Role.USER, Role.ADMIN]);
    await write(base + 10, [Role.USER]);
    await pollUntil(() => store.stats().roleChanges > 0);
    const principal = { ...principalOf(randomUUID(), [Role.USER, Role.ADMIN]), userId };
    expect(store.check(principal)?.roles).toEqual([Role.USER]);
  });

  it("never waits for ids: a step of 3, a jump of 10,000 and a rolled-back number cost nothing", async () => {
    // Writer 1 hands out ids 3 apart, as Galera does on a 3-node cluster; then they jump.
    const writer = await openDataSource(opened.database.url);
    try {
      const stepped = (manager: EntityManager) =>
        kind.name === "sqlite"
          ? manager.query("UPDATE sqlite_sequence SET seq = seq + 2 WHERE name = 'revocations'")
          : manager.query("SET SESSION auto_increment_increment = 3");
      const revokeStepped = (ids: readonly string[]) =>
        retryOnConflict(() =>
          writer.transaction(async (manager) => {
            await stepped(manager);
            await log.recordSessions(manager, ids);
          }),
        );
      const before = store.stats().highestSeq;
      const revoked: string[] = [];
      for (let round = 0; round < 5; round++) {
        const ids = sessionIds(1);
        await revokeStepped(ids);
        revoked.push(...ids);
      }
      // 400 rows 3 ids apart span 1,200 ids.
      const batch = sessionIds(400);
      await revokeStepped(batch);
      revoked.push(...batch);
      await writer.query(
        kind.name === "sqlite"
          ? "UPDATE sqlite_sequence SET seq = seq + 10000 WHERE name = 'revocations'"
          : `ALTER TABLE revocations AUTO_INCREMENT = ${
              Number((await writer.query("SELECT MAX(id) AS id FROM revocations"))[0].id) + 10_000
            }`,
      );
      // A transaction that takes a number and rolls back gives it back.
      const rolledBack = randomUUID();
      await expect(
        writer.transaction(async (manager) => {
          await log.recordSessions(manager, [rolledBack]);
          throw new Error("changed my mind");
        }),
      ).rejects.toThrow("changed my mind");
      const last = sessionIds(1);
      await revokeStepped(last);
      revoked.push(...last);

      await pollUntil(() => revoked.every(refused));
      expect(revoked.filter((id) => !refused(id))).toEqual([]);
      expect(refused(rolledBack)).toBe(false);
      // Seven committed transactions, seven numbers: the rolled-back one left no hole.
      expect(store.stats().highestSeq).toBe(before + 7);

      // Idle: one indexed range read per poll, reading nothing, asking for no id.
      const queries = recordQueries(second);
      const rowsRead = store.stats().rowsRead;
      await poll();
      await poll();
      await poll();
      queries.stop();
      expect(store.stats().rowsRead).toBe(rowsRead);
      expect(queries.sql).toHaveLength(3);
      for (const sql of queries.sql) {
        expect(sql).toMatch(/[`"]?revocation[`"]?\.[`"]?seq[`"]? > /i);
        expect(sql).not.toMatch(/ IN \(/i);
      }
    } finally {
      await writer.destroy();
    }
  });

  if (kind.name !== "sqlite") {
    // SQLite has one writer at a time: there a batch holding its rows cannot be overtaken.
    it(`refuses all of a ${LARGE_BATCH}-session batch whose rows stay uncommitted while later revocations are made`, async () => {
      const batch = sessionIds(LARGE_BATCH);
      const later = sessionIds(LATER_REVOCATIONS);
      // Its rows and their ids exist, uncommitted; with ids alone, a follower that read a later
      // row would have seen a gap of 1,500 ids and given up on them.
      const held = heldTransaction(first, {
        before: (manager) => log.recordSessions(manager, batch),
      });
      await held.atHold;
      let committed = 0;
      const laterDone = Promise.all(
        later.map((id) => revoke(second, [id]).then(() => (committed += 1))),
      );
      // For a while the follower reads, and sees a later revocation only once it committed,
      // and nothing of the batch.
      const until = performance.now() + 600;
      while (performance.now() < until) {
        const committedBefore = committed;
        await poll();
        expect(batch.filter(refused)).toEqual([]);
        // Whatever had committed before the read is read (the follower reads where they commit).
        expect(later.filter(refused).length).toBeGreaterThanOrEqual(committedBefore);
        expect(later.filter(refused).length).toBeLessThanOrEqual(committed);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      if (kind.clustered) {
        // Node 2 knows nothing of node 1's open transaction: the later ones commit, and are read.
        for (let waited = 0; committed < LATER_REVOCATIONS && waited < 10_000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(committed).toBe(LATER_REVOCATIONS);
        await pollUntil(() => later.every(refused));
        expect(later.filter((id) => !refused(id))).toEqual([]);
      } else {
        // One server: they wait for the batch's number to be committed or given back.
        expect(committed).toBe(0);
      }

      held.release();
      await held.done;
      await laterDone;
      // On Galera the batch lost certification to node 2's numbers and ran again, later.
      expect(held.runs()).toBe(kind.clustered ? 2 : 1);
      await pollUntil(() => batch.every(refused) && later.every(refused));
      expect(batch.filter((id) => !refused(id))).toEqual([]);
      expect(later.filter((id) => !refused(id))).toEqual([]);
    });
  }
});

/** The SQL of every query `dataSource` runs until `stop()`, whichever query runner runs it. */
function recordQueries(dataSource: DataSource): { sql: string[]; stop(): void } {
  const sql: string[] = [];
  const probe = dataSource.createQueryRunner();
  const prototype = Object.getPrototypeOf(probe) as { query: (...args: unknown[]) => unknown };
  void probe.release();
  const query = prototype.query;
  prototype.query = function (this: { connection: unknown }, ...args: unknown[]) {
    if (this.connection === dataSource) sql.push(String(args[0]));
    return query.apply(this, args);
  };
  return { sql, stop: () => (prototype.query = query) };
}
