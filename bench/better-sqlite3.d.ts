// better-sqlite3 ships no type declarations (TypeORM loads it untyped); this covers only the
// part of its API the benchmark uses to write into the server's database.
declare module "better-sqlite3" {
  namespace Database {
    interface Options {
      /** Milliseconds to wait for another connection's lock. */
      timeout?: number;
      fileMustExist?: boolean;
    }

    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }

    interface Statement {
      run(...parameters: unknown[]): RunResult;
      get(...parameters: unknown[]): unknown;
    }

    interface Database {
      prepare(source: string): Statement;
      /** Wraps `fn` so that each call runs in one transaction (BEGIN ... COMMIT or ROLLBACK). */
      transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
      close(): this;
    }
  }

  const Database: new (filename: string, options?: Database.Options) => Database.Database;
  export = Database;
}
