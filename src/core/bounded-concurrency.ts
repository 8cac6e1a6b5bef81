/** The waiting list of a BoundedConcurrency was full: the task was not run. */
export class QueueFullError extends Error {
  constructor(
    readonly concurrency: number,
    readonly queueLimit: number,
  ) {
    super(`${concurrency} running and ${queueLimit} waiting: refused`);
    this.name = "QueueFullError";
  }
}

/**
 * Runs at most `concurrency` tasks at once; up to `queueLimit` more wait their turn, first come
 * first served, and any beyond those are refused at once with QueueFullError, so that a burst
 * costs its callers a fast refusal instead of an ever longer wait. A task that fails frees its
 * slot as one that succeeds does.
 */
export class BoundedConcurrency {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly queueLimit: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError("concurrency must be a positive integer");
    }
    if (!Number.isInteger(queueLimit) || queueLimit < 0) {
      throw new RangeError("queueLimit must be a non-negative integer");
    }
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queueLimit) {
        throw new QueueFullError(this.concurrency, this.queueLimit);
      }
      // The slot is handed over by `release` (active stays counted), so no newcomer can take it
      // between one task's end and the next waiter's start: the order stays first come, first served.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}
