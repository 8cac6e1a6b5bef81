import type { AppConfig } from "../config/config";
import { databaseWhere } from "../db/database-setup-error";

/**
 * What a person who just ran `npm start` needs to read: where to point a client or a browser,
 * which database and algorithm are in use, and where the generated secret lives. Never a
 * password or a secret: the database is named by host and name, the secret by its file.
 */
export function startupSummary(config: AppConfig, url: string): string {
  const rows: Array<[string, string]> = [["API", `${url}/graphql`]];
  if (config.playground) rows.push(["Playground", `${url}/graphql (open it in a browser)`]);
  rows.push(["Database", databaseWhere(config.database)]);
  const secret = config.developmentSecret;
  const keys = secret
    ? `${config.jwt.algorithm}, development secret ${secret.created ? "generated in" : "kept in"} ${secret.file}`
    : config.jwt.algorithm;
  rows.push(["Tokens", keys]);
  rows.push(["Stop", "Ctrl-C"]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  return `\ngraphql-jwt-api is ready (NODE_ENV=${config.env})\n${lines.join("\n")}\n\n`;
}
