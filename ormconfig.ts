import "reflect-metadata";
import { config as loadDotEnv } from "dotenv";
import { databaseFromEnvironment } from "./src/config/config";
import { createAppDataSource } from "./src/app/data-source";

/**
 * The DataSource for the TypeORM CLI (`npm run migration:run`, `migration:revert`, or
 * `npx typeorm migration:generate -d dist/ormconfig.js`). The app builds the same one through
 * src/db/data-source.ts. Only DATABASE_URL is read, so no signing key is needed to migrate.
 */
loadDotEnv({ quiet: true });

export default createAppDataSource(databaseFromEnvironment());
