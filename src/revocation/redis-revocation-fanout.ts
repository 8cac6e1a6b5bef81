import { randomUUID } from "node:crypto";
import type Redis from "ioredis";
import { type MonotonicClock, systemMonotonic } from "../core/clock";
import type { Logger } from "../logging/logger";
import { closeRedisClient, createRedisClient } from "../redis/redis-client";
import { ALL_ROLES, isRole, type Role } from "../core/role";
import type { RevocationFanout } from "./revocation-fanout";
import type { RevocationNotice } from "./revocation-notice";
import type { PeerRevocations } from "./revocation-view";

/**
 * Revocations over Redis pub/sub: each instance publishes what it has just committed and applies
 * what the others publish, so a logout or a role change reaches every instance within
 * milliseconds instead of at its next read of the `revocations` table.
 *
 * Redis only makes propagation faster. The table stays the source of truth and the fail-closed
 * bound (a view older than one second answers 503) is still driven by reading it, so a lost
 * message, a Redis restart or no Redis at all delays a revocation by one poll interval at worst.
 */

/** The message on the channel; `from` lets an instance skip its own. */
export interface RevocationMessage {
  readonly v: 1;
  readonly from: string;
  readonly sessionIds?: readonly string[];
  readonly roles?: { readonly userId: string; readonly roles: readonly Role[] };
}

export interface RedisRevocationFanoutOptions {
  readonly url: string;
  readonly channel: string;
  readonly logger: Logger;
  /** Without one this instance only publishes. */
  readonly sink?: PeerRevocations;
  readonly monotonicNow?: MonotonicClock;
}

const MAX_ID_LENGTH = 64;
/** Session ids per message; a larger revocation is published as several messages. */
export const MAX_SESSION_IDS_PER_MESSAGE = 1_000;
/** Far above the largest valid message (1,000 ids of 64 characters), checked before parsing. */
const MAX_MESSAGE_CHARS = 128 * 1024;
const MESSAGE_KEYS = new Set(["v", "from", "sessionIds", "roles"]);
const ROLES_KEYS = new Set(["userId", "roles"]);

/** How long start waits for Redis before carrying on without it. */
const START_WAIT_MS = 2_500;
/** At most one warning about malformed messages per this, with a count of the others. */
const MALFORMED_WARNING_INTERVAL_MS = 10_000;

/** Instances that share a database share the token issuer, so the channel is named after it. */
export function revocationChannel(issuer: string): string {
  return `${issuer}:revocations`;
}

const isId = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Checks a message strictly: known keys only, ids as strings of at most 64 characters, roles as
 * known Role values. Returns the message, or why it was refused.
 */
export function parseRevocationMessage(
  raw: string,
): { message: RevocationMessage } | { problem: string } {
  if (raw.length > MAX_MESSAGE_CHARS) return { problem: "message too large" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { problem: "not JSON" };
  }
  if (!isPlainObject(value)) return { problem: "not an object" };
  if (Object.keys(value).some((key) => !MESSAGE_KEYS.has(key))) {
    return { problem: "unknown field" };
  }
  if (value.v !== 1) return { problem: "unknown version" };
  if (!isId(value.from)) return { problem: "bad sender id" };
  if (value.sessionIds === undefined && value.roles === undefined) {
    return { problem: "neither sessionIds nor roles" };
  }

  let sessionIds: string[] | undefined;
  if (value.sessionIds !== undefined) {
    const ids: unknown = value.sessionIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_SESSION_IDS_PER_MESSAGE) {
      return { problem: `sessionIds must hold 1 to ${MAX_SESSION_IDS_PER_MESSAGE} ids` };
    }
    if (!ids.every(isId)) return { problem: "bad session id" };
    sessionIds = ids;
  }

  let roles: RevocationMessage["roles"];
  if (value.roles !== undefined) {
    const change: unknown = value.roles;
    if (!isPlainObject(change) || Object.keys(change).some((key) => !ROLES_KEYS.has(key))) {
      return { problem: "bad roles" };
    }
    if (!isId(change.userId)) return { problem: "bad user id" };
    const list: unknown = change.roles;
    if (!Array.isArray(list) || list.length > ALL_ROLES.length || !list.every(isRole)) {
      return { problem: "bad role list" };
    }
    roles = { userId: change.userId, roles: list };
  }

  return { message: { v: 1, from: value.from, sessionIds, roles } };
}

/**
 * One publishing connection, and one subscribed connection (a subscribed Redis connection can
 * run nothing else) when there is a sink for the other instances' messages.
 */
export class RedisRevocationFanout implements RevocationFanout {
  /** Sent with each message so this instance can skip its own. */
  readonly instanceId = randomUUID();
  private publisher?: Redis;
  private subscriber?: Redis;
  private publishing = true;
  private malformedWarnedAt = -Infinity;
  private malformedSuppressed = 0;

  constructor(private readonly options: RedisRevocationFanoutOptions) {}

  /**
   * Connects, and subscribes when there is a sink. Never throws: when Redis cannot be reached
   * this logs a warning and returns, and the connections keep retrying in the background. The
   * instance is as correct without Redis, only slower to hear of revocations: reading the
   * revocation log every poll interval still bounds propagation to a second, and still fails
   * closed when that log cannot be read. Without a sink it only publishes (the CLI).
   */
  async start(): Promise<void> {
    const { channel, logger, sink } = this.options;
    // No offline queue: a publish while disconnected fails at once, rather than queuing up and
    // announcing the revocation late (the log has delivered it by then).
    this.publisher = this.connect("publisher", "fail-fast");
    const waits = [settlesWithin(readyOrFailed(this.publisher), START_WAIT_MS)];
    if (sink) {
      // The SUBSCRIBE waits in the offline queue until a connection is up, however long that
      // takes; after a reconnection ioredis subscribes again by itself.
      const subscriber = this.connect("subscriber", "queue");
      this.subscriber = subscriber;
      subscriber.on("message", (messageChannel: string, raw: string) =>
        this.receive(messageChannel, raw, sink),
      );
      const subscribed = subscriber.subscribe(channel).then(
        () => true,
        () => false,
      );
      waits.push(settlesWithin(Promise.race([subscribed, failed(subscriber)]), START_WAIT_MS));
      void subscribed.then((ok) => {
        if (ok) logger.info({ channel }, "revocation fan-out: subscribed to redis");
      });
    }
    const connected = await Promise.all(waits);
    if (connected.includes(false)) {
      logger.warn(
        { channel },
        "revocation fan-out: redis is unreachable; relying on the revocation log (within 1 s) " +
          "until it answers",
      );
    }
  }

  /**
   * Announces a committed revocation. Never rejects: a failure is logged and the revocation
   * reaches the other instances through the log instead.
   */
  async publish(revocation: RevocationNotice): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) return;
    const { sessionIds = [], roles } = revocation;
    const messages: RevocationMessage[] = [];
    for (let start = 0; start < sessionIds.length; start += MAX_SESSION_IDS_PER_MESSAGE) {
      const chunk = sessionIds.slice(start, start + MAX_SESSION_IDS_PER_MESSAGE);
      messages.push({ v: 1, from: this.instanceId, sessionIds: chunk });
    }
    if (roles) messages.push({ v: 1, from: this.instanceId, roles });
    try {
      for (const message of messages) {
        await publisher.publish(this.options.channel, JSON.stringify(message));
      }
      if (!this.publishing) this.options.logger.info("revocation fan-out: publishing again");
      this.publishing = true;
    } catch (error) {
      // Warn once per outage, not once per revocation.
      const level = this.publishing ? "warn" : "debug";
      this.publishing = false;
      this.options.logger[level](
        { err: error },
        "revocation fan-out: could not publish; the revocation log delivers it",
      );
    }
  }

  /** Closes both connections, letting queued publishes go out first. */
  async stop(): Promise<void> {
    const clients = [this.publisher, this.subscriber].filter((client) => client !== undefined);
    this.publisher = undefined;
    this.subscriber = undefined;
    await Promise.all(clients.map((client) => closeRedisClient(client)));
  }

  private connect(role: "publisher" | "subscriber", commands: "fail-fast" | "queue"): Redis {
    const client = createRedisClient({
      url: this.options.url,
      connectionName: `revocation-fanout-${role}`,
      component: "revocation fan-out",
      logger: this.options.logger,
      logFields: { role },
      commands,
    });
    // A failed first attempt is retried in the background, as is any later disconnection.
    client.connect().catch(() => undefined);
    return client;
  }

  private receive(channel: string, raw: string, sink: PeerRevocations): void {
    if (channel !== this.options.channel) return;
    const parsed = parseRevocationMessage(raw);
    if ("problem" in parsed) {
      this.warnMalformed(parsed.problem);
      return;
    }
    const { message } = parsed;
    if (message.from === this.instanceId) return;
    sink.applyFromPeer({ sessionIds: message.sessionIds, roles: message.roles });
    // Debug, not info: every revocation on any instance would log a line on all the others.
    this.options.logger.debug(
      { sessions: message.sessionIds?.length ?? 0, roleChange: message.roles !== undefined },
      "applied revocation from redis",
    );
  }

  private warnMalformed(problem: string): void {
    const now = (this.options.monotonicNow ?? systemMonotonic)();
    if (now - this.malformedWarnedAt < MALFORMED_WARNING_INTERVAL_MS) {
      this.malformedSuppressed += 1;
      return;
    }
    this.options.logger.warn(
      { problem, alsoIgnored: this.malformedSuppressed, channel: this.options.channel },
      "revocation fan-out: ignored a malformed message",
    );
    this.malformedWarnedAt = now;
    this.malformedSuppressed = 0;
  }
}

/** Resolves true once the client is ready, false at its first failure. */
function readyOrFailed(client: Redis): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return Promise.race([
    new Promise<boolean>((resolve) => client.once("ready", () => resolve(true))),
    failed(client),
  ]);
}

/** Resolves false at the client's next error. */
function failed(client: Redis): Promise<boolean> {
  return new Promise((resolve) => client.once("error", () => resolve(false)));
}

/** The promise's value, or false when it takes longer than `ms`. */
async function settlesWithin(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
