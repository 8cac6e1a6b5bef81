import type { Startable } from "../core/startable";
import type { Logger } from "../logging/logger";

export type { Startable };

/**
 * The parts of the application in the order they depend on each other: started in that order,
 * stopped in reverse. A part that fails to start stops the ones already started, so a failed
 * start leaves nothing running; stopping goes on past a part that fails to stop.
 */
export class Lifecycle {
  private readonly parts: Array<{ readonly name: string; readonly part: Startable }> = [];
  private started: Array<{ readonly name: string; readonly part: Startable }> = [];

  constructor(private readonly logger: Logger) {}

  add(name: string, part: Startable): this {
    this.parts.push({ name, part });
    return this;
  }

  async start(): Promise<void> {
    for (const entry of this.parts) {
      try {
        await entry.part.start();
      } catch (error) {
        await this.stop();
        throw error;
      }
      this.started.push(entry);
    }
  }

  async stop(): Promise<void> {
    const started = this.started.reverse();
    this.started = [];
    let failure: Error | undefined;
    for (const { name, part } of started) {
      try {
        await part.stop();
      } catch (error) {
        this.logger.error({ err: error, part: name }, "failed to stop");
        failure ??= error instanceof Error ? error : new Error(`${name} failed to stop`);
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** A part that only needs starting (a warm-up) or only stopping. */
export function startable(parts: Partial<Startable>): Startable {
  return {
    start: parts.start ?? (() => Promise.resolve()),
    stop: parts.stop ?? (() => Promise.resolve()),
  };
}

/** Runs `task` every `intervalMs` while started, logging (not throwing) its failures. */
export function periodic(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (error: unknown) => void,
): Startable {
  let timer: NodeJS.Timeout | undefined;
  return {
    start: () => {
      timer = setInterval(() => void task().catch(onError), intervalMs);
      timer.unref();
      return Promise.resolve();
    },
    stop: () => {
      clearInterval(timer);
      timer = undefined;
      return Promise.resolve();
    },
  };
}
