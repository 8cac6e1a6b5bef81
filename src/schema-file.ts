import { printSchema } from "graphql";
import { buildAppSchema } from "./app/schema";

const HEADER =
  "# Generated from the code by `npm run schema:print`; a test fails when it is stale.\n\n";

/** The text of schema.graphql, in declaration order. */
export async function printSchemaFile(): Promise<string> {
  return HEADER + printSchema(await buildAppSchema()) + "\n";
}
