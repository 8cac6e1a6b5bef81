import "reflect-metadata";
import { databaseFromProcessEnvironment } from "./src/config/load";
import { createDataSource } from "./src/db/data-source";

/**
 * The DataSource for the TypeORM CLI (`npm run migration:run`, `migration:revert`, or
 * `npx typeorm migration:generate -d dist/ormconfig.js`). The app builds the same one through
 * src/db/data-source.ts. Only DATABASE_URL is read, so no signing key is needed to migrate.
 */
export default createDataSource(databaseFromProcessEnvironment());
