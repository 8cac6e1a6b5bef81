import "reflect-metadata";
import { createApp } from "./app/app";
import { startupSummary } from "./app/startup-summary";
import { ConfigError } from "./config/config";
import { loadConfigFromEnvironment } from "./config/load";
import { StartupError } from "./core/startup-error";
import type { Logger } from "./logging/logger";

/** Set once the logger exists: the process-level handlers log through it from then on. */
let logger: Logger | undefined;

async function main(): Promise<void> {
  const config = loadConfigFromEnvironment();
  const app = await createApp(config);
  logger = app.logger;
  const running = await app.start();
  app.logger.info(
    { url: `${running.url}/graphql`, database: config.database.kind, alg: config.jwt.algorithm },
    "GraphQL API listening",
  );
  if (config.logFormat === "pretty") process.stdout.write(startupSummary(config, running.url));

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

/** One line for a person: what failed and, where we know it, what to do. Never a stack trace. */
function startupFailure(error: unknown): string {
  if (error instanceof ConfigError) return `Invalid configuration: ${error.problems.join("; ")}`;
  if (error instanceof StartupError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `Failed to start: ${message.split("\n")[0]}`;
}

// A promise nobody awaited failed: one request's bug, not a reason to drop everyone else's.
// Logged with pino's error serializer (message and stack; the redaction rules apply).
process.on("unhandledRejection", (reason: unknown) => {
  if (logger) logger.error({ err: reason }, "unhandled promise rejection (the server goes on)");
  else console.error(`Unhandled promise rejection: ${String(reason)}`);
});

// After an uncaught exception the process state is unknown (Node's own advice): log and exit.
process.on("uncaughtException", (error: Error) => {
  if (logger) logger.fatal({ err: error }, "uncaught exception: exiting");
  else console.error(`Uncaught exception: ${error.message}`);
  process.exit(1);
});

main().catch((error: unknown) => {
  console.error(startupFailure(error));
  process.exit(1);
});
