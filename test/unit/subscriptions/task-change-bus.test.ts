import { createLogger } from "../../../src/logging/logger";
import {
  parseTaskChangeMessage,
  taskChangeChannel,
} from "../../../src/subscriptions/redis-task-change-relay";
import { MAX_QUEUED_EVENTS, TaskChangeBus } from "../../../src/subscriptions/task-change-bus";
import { Task } from "../../../src/tasks/task.entity";
import { type TaskChange, TaskEventKind } from "../../../src/tasks/task-change";

const logger = createLogger("silent");

const change = (ownerId: string, kind = TaskEventKind.DELETED): TaskChange => ({
  kind,
  taskId: "7f0d1c62-6a48-4a7e-9a3c-1b1b1b1b1b1b",
  ownerId,
  task: null,
});

const acceptAll = { accept: () => true, delivered: () => undefined };

describe("TaskChangeBus", () => {
  it("hands each subscriber the changes its filter accepts, in order", async () => {
    const bus = new TaskChangeBus(logger);
    const seen: string[] = [];
    const stream = bus.stream(
      { accept: (c) => c.ownerId !== "other", delivered: () => seen.push("delivered") },
      new AbortController().signal,
    );
    bus.publish(change("me"));
    bus.publish(change("other"));
    bus.publish(change("me", TaskEventKind.CREATED));
    expect((await stream.next()).value).toMatchObject({ ownerId: "me", kind: "DELETED" });
    expect((await stream.next()).value).toMatchObject({ ownerId: "me", kind: "CREATED" });
    expect(seen).toEqual(["delivered", "delivered"]);
  });

  it("ends at once on return() while a next() waits, and lets go of its listener", async () => {
    const bus = new TaskChangeBus(logger);
    const stream = bus.stream(acceptAll, new AbortController().signal);
    const pending = stream.next();
    expect(bus.subscribers).toBe(1);
    await stream.return!();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(bus.subscribers).toBe(0);
  });

  it("ends when its socket's signal aborts", async () => {
    const bus = new TaskChangeBus(logger);
    const socket = new AbortController();
    const stream = bus.stream(acceptAll, socket.signal);
    const pending = stream.next();
    socket.abort();
    await expect(pending).resolves.toMatchObject({ done: true });
    expect(bus.subscribers).toBe(0);
  });

  it("ends a subscriber that falls too far behind with an error, not an unbounded queue", async () => {
    const bus = new TaskChangeBus(logger);
    const stream = bus.stream(acceptAll, new AbortController().signal);
    for (let i = 0; i <= MAX_QUEUED_EVENTS; i++) bus.publish(change("me"));
    await expect(stream.next()).rejects.toMatchObject({
      extensions: expect.objectContaining({ code: "SERVICE_UNAVAILABLE" }),
    });
    expect(bus.subscribers).toBe(0);
  });

  it("ends the stream with the error a filter throws (a stale view)", async () => {
    const bus = new TaskChangeBus(logger);
    const failure = new Error("stale");
    const stream = bus.stream(
      {
        accept: () => {
          throw failure;
        },
        delivered: () => undefined,
      },
      new AbortController().signal,
    );
    const pending = stream.next();
    bus.publish(change("me"));
    await expect(pending).rejects.toBe(failure);
  });
});

describe("task change messages over Redis", () => {
  const task = Object.assign(new Task(), {
    id: "7f0d1c62-6a48-4a7e-9a3c-1b1b1b1b1b1b",
    title: "write tests",
    done: false,
    ownerId: "0c5b2f3e-2b9a-4d7e-8f00-aaaaaaaaaaaa",
    createdAt: new Date("2026-01-02T03:04:05.678Z"),
    updatedAt: new Date("2026-01-02T03:04:06.000Z"),
  });
  const message = {
    v: 1,
    from: "instance",
    kind: "UPDATED",
    taskId: task.id,
    ownerId: task.ownerId,
    task: {
      ...task,
      createdAt: task.createdAt.toISOString(),
      updatedAt: task.updatedAt.toISOString(),
    },
  };

  it("names the channel after the issuer", () => {
    expect(taskChangeChannel("https://api.example")).toBe("https://api.example:task-changes");
  });

  it("reads a change back, dates as dates", () => {
    const parsed = parseTaskChangeMessage(JSON.stringify(message));
    expect(parsed?.from).toBe("instance");
    expect(parsed?.change).toEqual({
      kind: "UPDATED",
      taskId: task.id,
      ownerId: task.ownerId,
      task,
    });
    expect(parsed?.change.task).toBeInstanceOf(Task);
  });

  it.each([
    ["not JSON", "{"],
    ["another version", JSON.stringify({ ...message, v: 2 })],
    ["an unknown kind", JSON.stringify({ ...message, kind: "RENAMED" })],
    ["a task for a deletion", JSON.stringify({ ...message, kind: "DELETED" })],
    ["no task for an update", JSON.stringify({ ...message, task: null })],
    [
      "another owner in the task",
      JSON.stringify({ ...message, task: { ...message.task, ownerId: "x" } }),
    ],
    ["a bad date", JSON.stringify({ ...message, task: { ...message.task, createdAt: "soon" } })],
    ["too long", JSON.stringify({ ...message, padding: "x".repeat(10_000) })],
  ])("refuses %s", (_name, raw) => {
    expect(parseTaskChangeMessage(raw)).toBeNull();
  });
});
