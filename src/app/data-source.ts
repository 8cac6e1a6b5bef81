import type { DataSource } from "typeorm";
import { Revocation } from "../revocation/revocation.entity";
import { Session } from "../auth/session.entity";
import type { DatabaseConfig } from "../config/config";
import { createDataSource } from "../db/data-source";
import { Task } from "../tasks/task.entity";
import { User } from "../users/user.entity";

/** Every entity of the application; db/ itself knows none of them. */
export const entities = [User, Session, Task, Revocation];

/** The application's data source: the server's, the CLI's and the migration CLI's. */
export function createAppDataSource(database: DatabaseConfig): DataSource {
  return createDataSource(database, entities);
}
