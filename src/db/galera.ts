import type { DataSource } from "typeorm";
import { DatabaseSetupError } from "./database-setup-error";

/**
 * True on a MariaDB Galera node (`wsrep_on`). There GET_LOCK only excludes sessions of the same
 * node, and a read may not yet see what another node has just committed.
 */
export async function isGaleraNode(dataSource: DataSource): Promise<boolean> {
  if (dataSource.options.type === "better-sqlite3") return false;
  // SHOW VARIABLES gives no row where the variable is unknown (MySQL), rather than an error.
  const rows: Array<{ Value?: string; VALUE?: string }> = await dataSource.query(
    "SHOW VARIABLES LIKE 'wsrep_on'",
  );
  const value = rows[0]?.Value ?? rows[0]?.VALUE;
  return typeof value === "string" && value.toUpperCase() === "ON";
}

/** wsrep_sync_wait's bit for reads: SELECT, SHOW and BEGIN wait until the node has caught up. */
const CAUSAL_READS = 1;

/**
 * Refuses to start on a Galera node whose reads are not causal. A node applies other nodes'
 * commits a moment after they return (here a read on node 2 right after a commit on node 1
 * missed it in 25-30% of tries under load), and the session checks decide on what they read: a
 * logout through node 2 right after a login through node 1 would find no session to revoke and
 * leave its tokens honoured, and a refresh through node 2 right after one through node 1 would
 * look like reuse of an old token and end a legitimate session. `wsrep_sync_wait=1` makes each
 * read, and each transaction's snapshot, wait for what the cluster had committed before it.
 */
export async function assertCausalReadsOnGalera(dataSource: DataSource): Promise<void> {
  if (!(await isGaleraNode(dataSource))) return;
  const rows: Array<{ syncWait: number | string }> = await dataSource.query(
    "SELECT @@SESSION.wsrep_sync_wait AS syncWait",
  );
  if ((Number(rows[0]?.syncWait ?? 0) & CAUSAL_READS) === CAUSAL_READS) return;
  throw new DatabaseSetupError(
    "DATABASE_URL names a Galera cluster node whose reads are not causal (wsrep_sync_wait " +
      `is ${String(rows[0]?.syncWait)}): a logout or refresh through one node right after a login ` +
      "or refresh through another could act on a session it cannot see yet. Set " +
      "wsrep_sync_wait=1 on every node (the [mariadbd] section of its configuration, or SET " +
      "GLOBAL wsrep_sync_wait=1).",
  );
}
