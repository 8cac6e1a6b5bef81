import "reflect-metadata";
import { renderAccessMatrix } from "../app/access-matrix";

renderAccessMatrix().then(
  (text) => process.stdout.write(text),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
