import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { buildAppSchema } from "./schema";

const HEADER =
  "# Generated from the code by `npm run schema:print`; a test fails when it is stale.\n\n";

/**
 * The text of schema.graphql, in declaration order. graphql-js's printSchema drops applied
 * directives (it keeps @deprecated and @specifiedBy only); this printer keeps every directive the
 * code applies (`@listSize`, `@cost`, ...) and declares them, so the file shows what the server
 * enforces and tools that read those directives find them.
 */
export async function printSchemaFile(): Promise<string> {
  return HEADER + printSchemaWithDirectives(await buildAppSchema()) + "\n";
}
