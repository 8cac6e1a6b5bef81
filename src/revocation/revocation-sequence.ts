import type { EntityManager } from "typeorm";

/**
 * Takes the next number of the revocation log for the transaction `manager` runs; the caller
 * stamps every row it writes to `revocations` in that transaction with it.
 *
 * Why a follower reading `seq > last` never skips a committed row:
 * - Every revoking transaction updates the one counter row. On one MySQL or MariaDB server the
 *   row lock makes the next transaction wait until this one has committed or rolled back; on
 *   SQLite there is one writer at a time anyway; on Galera two nodes' transactions that both
 *   updated it conflict at certification and only the first in the cluster's total order
 *   commits (the other gets ER_LOCK_DEADLOCK and is retried, see src/db/retry.ts). So the
 *   committed transactions hold distinct numbers, each read from the one committed before it:
 *   they commit in number order.
 * - A transaction that rolls back undoes its increment: the next one takes the same number.
 * - A reader's SELECT sees one snapshot, and since commits happen in number order, a snapshot
 *   that holds number n holds every number below n, with all its rows (a batch of any size is
 *   one transaction, one number). Galera nodes apply write sets in one total order, so this holds
 *   on whichever node a follower reads.
 * Nothing rests on the ids' auto-increment step, offset or gaps.
 *
 * The counter row is the one point every revocation passes through: take the number last, just
 * before the transaction's inserts and its commit, so the row stays locked as briefly as can be.
 */
export async function nextRevocationSequence(manager: EntityManager): Promise<number> {
  // Outside a transaction the increment would commit before the rows it numbers, and a later
  // number could then be read first.
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error("nextRevocationSequence must run inside the revoking transaction");
  }
  await manager.query("UPDATE revocation_sequence SET last_seq = last_seq + 1 WHERE id = 1");
  const rows: Array<{ last_seq: number | string }> = await manager.query(
    "SELECT last_seq FROM revocation_sequence WHERE id = 1",
  );
  if (rows.length !== 1) throw new Error("The revocation_sequence row is missing");
  return Number(rows[0].last_seq);
}
