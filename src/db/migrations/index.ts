import { InitialSchema1763800000000 } from "./1763800000000-initial-schema";
import { TokenLifecycle1763900000000 } from "./1763900000000-token-lifecycle";
import { RateLimits1764000000000 } from "./1764000000000-rate-limits";
import { PagingIndexes1764100000000 } from "./1764100000000-paging-indexes";
import { RevocationSequence1764200000000 } from "./1764200000000-revocation-sequence";
import { RateLimitCounters1764300000000 } from "./1764300000000-rate-limit-counters";
import { SessionScope1764400000000 } from "./1764400000000-session-scope";

import type { MigrationInterface, QueryRunner } from "typeorm";

interface MigrationClass {
  new (): MigrationInterface;
  readonly prototype: MigrationInterface;
}

/**
 * Each migration refuses to run when its own record is already there, read inside the
 * transaction it runs in. On SQLite, processes that start together each read the pending list
 * before their transactions, and a migration that can be applied twice (dropping and creating a
 * table, say) would run and be recorded twice; refused, the late transaction rolls back whole and
 * migrate() reads the pending list again. Under MySQL's named lock the check always passes. The
 * classes are changed in place, so that they stay the classes the tests and the CLI name.
 */
function onlyOnce(Migration: MigrationClass): MigrationClass {
  // Kept unbound on purpose: it is called below with the migration instance as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const up = Migration.prototype.up;
  Migration.prototype.up = async function (this: MigrationInterface, queryRunner: QueryRunner) {
    const name = this.name ?? Migration.name;
    const recorded = (await queryRunner.query("SELECT name FROM migrations WHERE name = ?", [
      name,
    ])) as unknown[];
    if (recorded.length > 0) throw new Error(`${name} was applied by another process meanwhile`);
    await up.call(this, queryRunner);
  };
  return Migration;
}

/** Every migration, oldest first. Listed explicitly so compiled and test builds find the same set. */
export const migrations = [
  InitialSchema1763800000000,
  TokenLifecycle1763900000000,
  RateLimits1764000000000,
  PagingIndexes1764100000000,
  RevocationSequence1764200000000,
  RateLimitCounters1764300000000,
  SessionScope1764400000000,
];
migrations.forEach(onlyOnce);
