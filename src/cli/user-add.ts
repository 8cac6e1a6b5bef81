import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Lifecycle } from "../app/lifecycle";
import { createServices } from "../app/services";
import { createLogger } from "../logging/logger";
import { ConfigError } from "../config/config";
import { loadConfigFromEnvironment } from "../config/load";
import { createAppDataSource } from "../app/data-source";
import { assertCausalReadsOnGalera } from "../db/galera";
import { migrate } from "../db/migrate";
import { AppError } from "../errors/app-errors";
import { isRole, type Role } from "../core/role";

const USAGE = "Usage: npm run user:add -- --email E --password P [--roles ADMIN,EDITOR] [--name N]";

/**
 * Creates a user, or sets the password and roles of an existing one, in the configured database.
 * Safe while the server runs: it only inserts or updates rows (SQLite WAL, or MySQL).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      email: { type: "string" },
      password: { type: "string" },
      roles: { type: "string", default: "USER" },
      name: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help || !values.email || !values.password) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const roleNames = values.roles
    .split(",")
    .map((role) => role.trim().toUpperCase())
    .filter(Boolean);
  const unknown = roleNames.filter((role) => !isRole(role));
  if (unknown.length > 0 || roleNames.length === 0) {
    console.error(
      `Unknown role(s): ${unknown.join(", ") || "(none given)"}. Roles: USER, EDITOR, ADMIN.`,
    );
    return 2;
  }

  const config = loadConfigFromEnvironment();
  const logger = createLogger("warn");
  const dataSource = createAppDataSource(config.database);
  await dataSource.initialize();
  // The fan-out announces the new roles to running servers (with REDIS_URL) as soon as they are
  // committed, through the same wiring as the server's; the revocation log carries them anyway.
  const lifecycle = new Lifecycle(logger);
  try {
    await assertCausalReadsOnGalera(dataSource);
    await migrate(dataSource, {
      mode: config.migrations.mode,
      waitTimeoutMs: config.migrations.waitTimeoutSeconds * 1000,
    });
    const services = createServices(config, dataSource, lifecycle, { logger });
    await lifecycle.start();
    const { user, created } = await services.users.upsert(
      {
        email: values.email,
        password: values.password,
        displayName: values.name,
        roles: roleNames as Role[],
      },
      { requestId: `cli-${randomUUID()}`, clientAddress: null, userAgent: null },
    );
    console.log(
      `${created ? "Created" : "Updated"} ${user.email} (id ${user.id}) with roles ${user.roles.join(",")}`,
    );
    return 0;
  } finally {
    await lifecycle.stop();
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AppError || error instanceof ConfigError) console.error(error.message);
    else if (error instanceof TypeError && "code" in error)
      console.error(`${error.message}\n${USAGE}`);
    else console.error("user:add failed:", error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
