import "reflect-metadata";
import { createAppDataSource } from "./src/app/data-source";
import { databaseFromProcessEnvironment } from "./src/config/load";

/**
 * The DataSource for the TypeORM CLI (`npm run migration:run`, `migration:revert`, or
 * `npx typeorm migration:generate -d dist/ormconfig.js`). The app builds the same one through
 * src/app/data-source.ts. Only DATABASE_URL is read, so no signing key is needed to migrate.
 */
export default createAppDataSource(databaseFromProcessEnvironment());
