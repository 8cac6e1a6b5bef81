import "reflect-metadata";
import { createApp } from "./app/app";
import { ConfigError } from "./config/config";
import { DatabaseSetupError } from "./db/database-setup-error";
import { loadConfigFromEnvironment } from "./config/load";

async function main(): Promise<void> {
  const config = loadConfigFromEnvironment();
  const app = await createApp(config);
  const running = await app.start();
  app.logger.info(
    { url: `${running.url}/graphql`, database: config.database.kind, alg: config.jwt.algorithm },
    "GraphQL API listening",
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, "shutting down: draining in-flight requests");
    app.stop().then(
      () => {
        app.logger.info({ signal }, "stopped: requests drained, database closed");
        process.exit(0);
      },
      (error: unknown) => {
        app.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DatabaseSetupError) {
    console.error(error.message);
  } else {
    console.error("Failed to start:", error);
  }
  process.exit(1);
});
