import "reflect-metadata";
import { printSchemaFile } from "../app/schema-file";

printSchemaFile().then(
  (text) => process.stdout.write(text),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
