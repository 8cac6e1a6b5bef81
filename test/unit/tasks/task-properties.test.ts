import { buildAppSchema } from "../../../src/app/schema";
import {
  ALL_TASK_PROPERTIES,
  TASK_FIELD_PROPERTIES,
  taskPropertiesFor,
} from "../../../src/tasks/task-properties";

describe("taskPropertiesFor", () => {
  it("knows every field of Task, so that no field is served from a row that lacks its property", async () => {
    const task = (await buildAppSchema()).getType("Task");
    if (!task || !("getFields" in task)) throw new Error("the schema has no Task object type");
    const fields = Object.keys(task.getFields());
    expect(fields.length).toBeGreaterThan(5);
    expect(fields.filter((field) => !TASK_FIELD_PROPERTIES.has(field))).toEqual([]);
  });

  it("reads only what the selection shows", () => {
    expect(taskPropertiesFor(["id", "title", "done", "owner", "__typename"])).toEqual([
      "title",
      "done",
    ]);
    expect(taskPropertiesFor(["id"])).toEqual([]);
  });

  it("reads the creation time for a cursor, which is made of it", () => {
    expect(taskPropertiesFor(["cursor"])).toEqual(["createdAt"]);
    expect(taskPropertiesFor(["cursor", "createdAt", "updatedAt"])).toEqual([
      "createdAt",
      "updatedAt",
    ]);
  });

  it("reads everything for a field it does not know", () => {
    expect(taskPropertiesFor(["id", "dueDate"])).toEqual(ALL_TASK_PROPERTIES);
  });
});
