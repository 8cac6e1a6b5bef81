import { config as loadDotEnv } from "dotenv";
import {
  type AppConfig,
  databaseFromEnvironment,
  type DatabaseConfig,
  type Env,
  loadConfig,
} from "./config";

/**
 * The process environment with a `.env` file (if any) underneath: real variables win. Every
 * entry point (server, CLI, the TypeORM CLI's ormconfig.ts) reads its environment through here.
 */
export function processEnvironment(): Env {
  loadDotEnv({ quiet: true });
  return process.env;
}

/** The process's configuration, keys included. */
export function loadConfigFromEnvironment(): AppConfig {
  return loadConfig(processEnvironment());
}

/** The process's DATABASE_URL alone: migrating needs no signing key. */
export function databaseFromProcessEnvironment(): DatabaseConfig {
  return databaseFromEnvironment(processEnvironment());
}
