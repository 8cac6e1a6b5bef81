import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { envExample, withConfigurationTable } from "../config/documentation";

/**
 * `npm run env:example`: rewrites .env.example and the README's Configuration table from the
 * declarations in src/config/variables.ts (npm runs scripts from the project's root).
 */
const root = process.cwd();
writeFileSync(resolve(root, ".env.example"), envExample());
const readme = resolve(root, "README.md");
writeFileSync(readme, withConfigurationTable(readFileSync(readme, "utf8")));
