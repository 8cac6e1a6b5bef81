import type { ColumnOptions, ValueTransformer } from "typeorm";

/** Millisecond precision: a plain `datetime` drops milliseconds on MySQL and MariaDB. */
export const timestampColumn = (
  name: string,
  extra: Partial<ColumnOptions> = {},
): ColumnOptions => ({
  name,
  type: "datetime",
  precision: 3,
  ...extra,
});

export const uuidColumn = (name: string) => ({ name, type: "varchar", length: 36 }) as const;

/** Stores a string list as one comma-separated varchar, the same on MySQL and SQLite. */
export const commaListTransformer: ValueTransformer = {
  to: (value: string[] | null | undefined) => (value == null ? value : value.join(",")),
  from: (value: string | null) => (value ? value.split(",") : []),
};
