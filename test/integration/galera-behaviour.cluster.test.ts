import { type Connection, createConnection } from "mysql2/promise";
import { databaseKinds, type TestDatabase } from "../support/databases";
import { recordFigure } from "../support/figures";
import { sleep } from "../support/time";

/**
 * What the design rests on, checked against the cluster itself (MariaDB 10.11, Galera 4, three
 * nodes on loopback): GET_LOCK is per node, ids are handed out per node before commit, conflicts
 * between nodes surface as ER_LOCK_DEADLOCK (at COMMIT, or at the next statement of a local
 * transaction a replicated one aborted), DDL runs in total order, and a read on another node is
 * causal only with wsrep_sync_wait (which .ci/galera-cluster.sh sets, as operators must). Only on
 * a cluster: `npm run test:cluster`.
 */

const clusters = databaseKinds().filter((kind) => kind.clustered);
if (clusters.length === 0) {
  throw new Error(
    "This suite needs a Galera cluster: set TEST_GALERA_URLS (.ci/galera-cluster.sh)",
  );
}

/** The mysql2 code a promise rejects with, or "ok". */
const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => "ok",
    (error: unknown) => String((error as { code?: unknown }).code),
  );

describe.each(clusters)("Galera itself ($name)", (kind) => {
  let database: TestDatabase;
  let node1: Connection;
  let node1b: Connection;
  let node2: Connection;

  beforeAll(async () => {
    database = await kind.create();
    const [first, second] = database.nodeUrls!;
    node1 = await createConnection(first);
    node1b = await createConnection(first);
    node2 = await createConnection(second);
    await node1.query(
      "CREATE TABLE probe (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL DEFAULT 0)",
    );
    await node1.query("CREATE TABLE named (name VARCHAR(32) PRIMARY KEY, owner VARCHAR(32))");
    // Wait until node 2 has the tables (DDL is ordered, applied by each node in its own time).
    for (let tries = 0; tries < 100; tries++) {
      const [rows] = await node2.query("SHOW TABLES LIKE 'named'");
      if ((rows as unknown[]).length === 1) break;
      await sleep(20);
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all([node1?.end(), node1b?.end(), node2?.end()]);
    await database?.drop();
  });

  it("grants GET_LOCK on each node to one session: two nodes both hold the same named lock", async () => {
    const take = async (connection: Connection) => {
      const [rows] = await connection.query("SELECT GET_LOCK('probe_lock', 0) AS acquired");
      return Number((rows as Array<{ acquired: unknown }>)[0].acquired);
    };
    expect(await take(node1)).toBe(1);
    expect(await take(node1b)).toBe(0); // the same node: excluded
    expect(await take(node2)).toBe(1); // another node: not excluded at all
    await node1.query("SELECT RELEASE_LOCK('probe_lock')");
    await node2.query("SELECT RELEASE_LOCK('probe_lock')");
  });

  it("steps auto-increment ids by the cluster size, offset per node, handed out before commit", async () => {
    const [[variables1]] = (await node1.query(
      "SELECT @@auto_increment_increment AS step, @@auto_increment_offset AS start",
    )) as unknown as Array<Array<{ step: number; start: number }>>;
    const [[variables2]] = (await node2.query(
      "SELECT @@auto_increment_increment AS step, @@auto_increment_offset AS start",
    )) as unknown as Array<Array<{ step: number; start: number }>>;
    expect(variables1.step).toBe(3);
    expect(variables2.step).toBe(3);
    expect(variables1.start).not.toBe(variables2.start);

    // Node 1 takes an id in an open transaction; node 2 takes a higher one and commits first.
    await node1.query("BEGIN");
    const [first] = (await node1.query("INSERT INTO probe (v) VALUES (1)")) as unknown as Array<{
      insertId: number;
    }>;
    const [second] = (await node2.query("INSERT INTO probe (v) VALUES (2)")) as unknown as Array<{
      insertId: number;
    }>;
    await node1.query("COMMIT");
    expect(second.insertId).toBeGreaterThan(first.insertId);
    // Commit order 2 then 1, id order 1 then 2: a follower by id would have read past id 1.
    recordFigure(
      "galera",
      "ids: first committed / later committed",
      `${second.insertId} / ${first.insertId}`,
    );
  });

  it("fails the second of two nodes' conflicting commits with ER_LOCK_DEADLOCK (certification)", async () => {
    await node1.query("INSERT INTO probe (id, v) VALUES (1000, 0)");
    await sleep(100);
    await node1.query("BEGIN");
    await node2.query("BEGIN");
    await node1.query("UPDATE probe SET v = v + 1 WHERE id = 1000");
    await node2.query("UPDATE probe SET v = v + 10 WHERE id = 1000");
    expect(await outcome(node1.query("COMMIT"))).toBe("ok");
    expect(await outcome(node2.query("COMMIT"))).toBe("ER_LOCK_DEADLOCK");
  });

  it("aborts a local open transaction that a replicated commit conflicts with: ER_LOCK_DEADLOCK at its next statement", async () => {
    await node1.query("INSERT INTO probe (id, v) VALUES (2000, 0)");
    await sleep(100);
    await node2.query("BEGIN");
    await node2.query("UPDATE probe SET v = v + 10 WHERE id = 2000");
    await node1.query("UPDATE probe SET v = v + 1 WHERE id = 2000");
    await sleep(200);
    expect(await outcome(node2.query("SELECT v FROM probe WHERE id = 2000"))).toBe(
      "ER_LOCK_DEADLOCK",
    );
    await node2.query("ROLLBACK");
    await sleep(100);
    const [rows] = await node2.query("SELECT v FROM probe WHERE id = 2000");
    expect(rows).toEqual([{ v: 1 }]);
  });

  it("reports the same primary key inserted on two nodes at once as ER_LOCK_DEADLOCK, later as ER_DUP_ENTRY", async () => {
    await node1.query("BEGIN");
    await node2.query("BEGIN");
    await node1.query("INSERT INTO named VALUES ('m', 'node1')");
    await node2.query("INSERT INTO named VALUES ('m', 'node2')");
    const commits = [await outcome(node1.query("COMMIT")), await outcome(node2.query("COMMIT"))];
    expect(commits).toEqual(["ok", "ER_LOCK_DEADLOCK"]);
    await sleep(100);
    expect(await outcome(node2.query("INSERT INTO named VALUES ('m', 'again')"))).toBe(
      "ER_DUP_ENTRY",
    );
  });

  it("runs DDL in total order: the same CREATE TABLE on two nodes at once succeeds once", async () => {
    const results = await Promise.all([
      outcome(node1.query("CREATE TABLE raced (id INT PRIMARY KEY)")),
      outcome(node2.query("CREATE TABLE raced (id INT PRIMARY KEY)")),
    ]);
    expect(results.sort()).toEqual(["ER_TABLE_EXISTS_ERROR", "ok"]);
  });

  it("reads on node 2 what node 1 just committed with wsrep_sync_wait=1 (not guaranteed without)", async () => {
    const [[{ wait }]] = (await node2.query(
      "SELECT @@wsrep_sync_wait AS wait",
    )) as unknown as Array<Array<{ wait: number }>>;
    // Not the default (0), but what the API refuses to start without (src/db/galera.ts).
    expect(wait & 1).toBe(1);
    const missesWith = async (syncWait: number, tries: number) => {
      await node2.query("SET SESSION wsrep_sync_wait = ?", [syncWait]);
      let misses = 0;
      for (let index = 0; index < tries; index++) {
        const [inserted] = (await node1.query("INSERT INTO probe (v) VALUES (?)", [
          index,
        ])) as unknown as Array<{ insertId: number }>;
        const [rows] = await node2.query("SELECT id FROM probe WHERE id = ?", [inserted.insertId]);
        if ((rows as unknown[]).length === 0) misses += 1;
      }
      return misses;
    };
    const without = await missesWith(0, 200);
    const withSyncWait = await missesWith(1, 200);
    await node2.query("SET SESSION wsrep_sync_wait = ?", [wait]);
    recordFigure(
      "galera",
      "read-after-write misses on node 2, wsrep_sync_wait=0",
      `${without}/200`,
    );
    recordFigure(
      "galera",
      "read-after-write misses on node 2, wsrep_sync_wait=1",
      `${withSyncWait}/200`,
    );
    expect(withSyncWait).toBe(0);
  }, 60_000);
});
