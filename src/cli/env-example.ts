import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { envExample, withConfigurationTable } from "../config/documentation";

/**
 * `npm run env:example`: rewrites .env.example and the Configuration table of docs/configuration.md from the
 * declarations in src/config/variables.ts (npm runs scripts from the project's root).
 */
const root = process.cwd();
writeFileSync(resolve(root, ".env.example"), envExample());
const page = resolve(root, "docs", "configuration.md");
writeFileSync(page, withConfigurationTable(readFileSync(page, "utf8")));
