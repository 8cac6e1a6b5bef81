import type { Logger } from "../logging/logger";
import type { TaskChange, TaskChangeSink } from "../tasks/task-change";
import { ServiceUnavailableError } from "../errors/app-errors";

/** Events one subscriber may have waiting; a subscriber this far behind is ended, not buffered. */
export const MAX_QUEUED_EVENTS = 256;

/** How changes reach the other instances, and theirs this one (redis-task-change-relay.ts). */
export interface TaskChangeRelay {
  start(deliver: (change: TaskChange) => void): Promise<void>;
  stop(): Promise<void>;
  /** Never rejects: a failure is logged, and the change reaches this instance's subscribers only. */
  publish(change: TaskChange): Promise<void>;
}

export interface StreamFilter {
  accept(change: TaskChange): boolean;
  delivered(): void;
}

/**
 * The changes of this instance's TaskService (and, with a relay, the other instances') handed to
 * every open subscription. Each subscription is an iterator with its own bounded queue, whose
 * `return()` ends it at once even while a `next()` waits (an async generator would wait for the
 * next event first, and keep its listener until then).
 */
export class TaskChangeBus implements TaskChangeSink {
  private readonly listeners = new Set<(change: TaskChange) => void>();
  private toldSingleInstance = false;

  constructor(
    private readonly logger: Logger,
    private readonly relay?: TaskChangeRelay,
  ) {}

  get subscribers(): number {
    return this.listeners.size;
  }

  async start(): Promise<void> {
    await this.relay?.start((change) => this.deliver(change));
  }

  async stop(): Promise<void> {
    await this.relay?.stop();
  }

  publish(change: TaskChange): void {
    this.deliver(change);
    void this.relay?.publish(change);
  }

  /** Delivers to this instance's subscribers only (what the relay brings from the others). */
  deliver(change: TaskChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  /** A subscription's changes, until `return()` or `signal` (its socket closing). */
  stream(filter: StreamFilter, signal: AbortSignal): AsyncIterableIterator<TaskChange> {
    if (!this.relay && !this.toldSingleInstance) {
      this.toldSingleInstance = true;
      this.logger.info(
        "task events: no REDIS_URL, so subscribers hear only of changes made on this instance",
      );
    }
    const queue: TaskChange[] = [];
    let waiting: ((result: IteratorResult<TaskChange>) => void) | undefined;
    let failWaiting: ((error: unknown) => void) | undefined;
    let failure: Error | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.listeners.delete(listener);
      signal.removeEventListener("abort", finish);
      queue.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
    };
    const fail = (reason: unknown) => {
      if (done) return;
      const error = reason instanceof Error ? reason : new Error(String(reason));
      if (failWaiting) failWaiting(error);
      else failure = error;
      waiting = undefined;
      failWaiting = undefined;
      finish();
    };
    const listener = (change: TaskChange) => {
      let accepted: boolean;
      try {
        accepted = filter.accept(change);
      } catch (error) {
        fail(error);
        return;
      }
      if (!accepted) return;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        failWaiting = undefined;
        filter.delivered();
        resolve({ value: change, done: false });
      } else if (queue.length >= MAX_QUEUED_EVENTS) {
        this.logger.warn({ queued: queue.length }, "a subscriber fell behind; its stream ended");
        fail(new ServiceUnavailableError());
      } else {
        queue.push(change);
      }
    };
    if (signal.aborted) done = true;
    else {
      this.listeners.add(listener);
      signal.addEventListener("abort", finish, { once: true });
    }
    const iterator: AsyncIterableIterator<TaskChange> = {
      next: () => {
        if (failure !== undefined) {
          const error = failure;
          failure = undefined;
          return Promise.reject(error);
        }
        const next = queue.shift();
        if (next) {
          filter.delivered();
          return Promise.resolve({ value: next, done: false });
        }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          waiting = resolve;
          failWaiting = reject;
        });
      },
      return: () => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
