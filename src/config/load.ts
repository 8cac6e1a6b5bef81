import { config as loadDotEnv } from "dotenv";
import { type AppConfig, loadConfig } from "./config";

/** The process's configuration: a `.env` file (if any) under the real environment, which wins. */
export function loadConfigFromEnvironment(): AppConfig {
  loadDotEnv({ quiet: true });
  return loadConfig(process.env);
}
