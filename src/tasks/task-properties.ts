/** What a task list reads beyond `id` and `ownerId`, which every task row carries: its key, and who may see it. */
export type TaskProperty = "title" | "done" | "createdAt" | "updatedAt";

export const ALL_TASK_PROPERTIES: readonly TaskProperty[] = [
  "title",
  "done",
  "createdAt",
  "updatedAt",
];

/**
 * The row properties each field of `Task` reads, beyond `id` and `ownerId`. A list reads only
 * what its selection asks for, so a page of a hundred tasks that shows no dates reads and parses
 * none. A field missing here makes the list read every property: a new field is never served
 * from a row without it (test/unit/tasks/task-properties.test.ts checks the map is complete).
 */
export const TASK_FIELD_PROPERTIES: ReadonlyMap<string, readonly TaskProperty[]> = new Map<
  string,
  readonly TaskProperty[]
>([
  ["__typename", []],
  ["id", []],
  ["owner", []],
  ["title", ["title"]],
  ["done", ["done"]],
  ["createdAt", ["createdAt"]],
  ["updatedAt", ["updatedAt"]],
  ["cursor", ["createdAt"]],
]);

/** The properties a selection of `Task` fields needs: all of them for a field the map lacks. */
export function taskPropertiesFor(fields: Iterable<string>): readonly TaskProperty[] {
  const wanted = new Set<TaskProperty>();
  for (const field of fields) {
    const properties = TASK_FIELD_PROPERTIES.get(field);
    if (!properties) return ALL_TASK_PROPERTIES;
    for (const property of properties) wanted.add(property);
  }
  return ALL_TASK_PROPERTIES.filter((property) => wanted.has(property));
}
