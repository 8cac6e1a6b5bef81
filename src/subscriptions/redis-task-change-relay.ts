import { randomUUID } from "node:crypto";
import type Redis from "ioredis";
import type { Logger } from "../logging/logger";
import { closeRedisClient, createRedisClient } from "../redis/redis-client";
import { Task } from "../tasks/task.entity";
import { type TaskChange, TaskEventKind } from "../tasks/task-change";
import type { TaskChangeRelay } from "./task-change-bus";

/** Instances that share a database share the token issuer, so the channel is named after it. */
export function taskChangeChannel(issuer: string): string {
  return `${issuer}:task-changes`;
}

/** Far above a task of 200 characters; checked before parsing. */
const MAX_MESSAGE_CHARS = 8 * 1024;
const KINDS = new Set<string>(Object.values(TaskEventKind));

interface TaskChangeMessage {
  readonly v: 1;
  readonly from: string;
  readonly kind: TaskEventKind;
  readonly taskId: string;
  readonly ownerId: string;
  readonly task: {
    id: string;
    title: string;
    done: boolean;
    ownerId: string;
    createdAt: string;
    updatedAt: string;
  } | null;
}

const isId = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= 64;

/** The change a message carries, or null when it is not one this version writes. */
export function parseTaskChangeMessage(raw: string): { from: string; change: TaskChange } | null {
  if (raw.length > MAX_MESSAGE_CHARS) return null;
  let value: Partial<TaskChangeMessage>;
  try {
    value = JSON.parse(raw) as Partial<TaskChangeMessage>;
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || value.v !== 1) return null;
  const { from, kind, taskId, ownerId, task } = value;
  if (!isId(from) || !isId(taskId) || !isId(ownerId) || !KINDS.has(kind as string)) return null;
  if ((task === null) !== (kind === TaskEventKind.DELETED)) return null;
  let entity: Task | null = null;
  if (task) {
    const createdAt = new Date(task.createdAt);
    const updatedAt = new Date(task.updatedAt);
    const valid =
      task.id === taskId &&
      task.ownerId === ownerId &&
      typeof task.title === "string" &&
      task.title.length <= 200 &&
      typeof task.done === "boolean" &&
      !Number.isNaN(createdAt.getTime()) &&
      !Number.isNaN(updatedAt.getTime());
    if (!valid) return null;
    entity = Object.assign(new Task(), {
      id: task.id,
      title: task.title,
      done: task.done,
      ownerId: task.ownerId,
      createdAt,
      updatedAt,
    });
  }
  return { from, change: { kind: kind as TaskEventKind, taskId, ownerId, task: entity } };
}

/**
 * Task changes over Redis pub/sub, so a subscriber on any instance hears of a change made on any
 * other. Best effort, as pub/sub is: a change published while Redis is away is not replayed (a
 * client that reconnects refetches its list; the stream is live data, not a log).
 */
export class RedisTaskChangeRelay implements TaskChangeRelay {
  private readonly instanceId = randomUUID();
  private publisher?: Redis;
  private subscriber?: Redis;
  private publishing = true;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  start(deliver: (change: TaskChange) => void): Promise<void> {
    const client = (role: string, commands: "fail-fast" | "queue") => {
      const redis = createRedisClient({
        url: this.url,
        connectionName: `task-changes-${role}`,
        component: "task changes",
        logger: this.logger,
        logFields: { role },
        commands,
      });
      redis.connect().catch(() => undefined);
      return redis;
    };
    this.publisher = client("publisher", "fail-fast");
    const subscriber = client("subscriber", "queue");
    this.subscriber = subscriber;
    subscriber.on("message", (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      const parsed = parseTaskChangeMessage(raw);
      if (!parsed) {
        this.logger.debug("task changes: ignored a malformed message");
        return;
      }
      if (parsed.from !== this.instanceId) deliver(parsed.change);
    });
    // Not awaited: without Redis the server starts, and ioredis subscribes once it can.
    subscriber.subscribe(this.channel).then(
      () => this.logger.info({ channel: this.channel }, "task changes: subscribed to redis"),
      () => undefined,
    );
    return Promise.resolve();
  }

  async publish(change: TaskChange): Promise<void> {
    if (!this.publisher) return;
    const { task } = change;
    const message: TaskChangeMessage = {
      v: 1,
      from: this.instanceId,
      kind: change.kind,
      taskId: change.taskId,
      ownerId: change.ownerId,
      task: task && {
        id: task.id,
        title: task.title,
        done: task.done,
        ownerId: task.ownerId,
        createdAt: task.createdAt.toISOString(),
        updatedAt: task.updatedAt.toISOString(),
      },
    };
    try {
      await this.publisher.publish(this.channel, JSON.stringify(message));
      this.publishing = true;
    } catch (error) {
      const level = this.publishing ? "warn" : "debug";
      this.publishing = false;
      this.logger[level]({ err: error }, "task changes: could not publish to redis");
    }
  }

  async stop(): Promise<void> {
    const clients = [this.publisher, this.subscriber].filter((client) => client !== undefined);
    this.publisher = undefined;
    this.subscriber = undefined;
    await Promise.all(clients.map((client) => closeRedisClient(client)));
  }
}
