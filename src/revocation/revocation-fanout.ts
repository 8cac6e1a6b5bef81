import type { RevocationNotice } from "./revocation-notice";

/**
 * How an instance tells the others of a revocation it has just committed, sooner than their next
 * read of the log. Only ever faster: the log stays the source of truth, so a lost announcement
 * delays a revocation by one poll interval at worst.
 */
export interface RevocationFanout {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Never rejects: a failure is logged and the log delivers the revocation. */
  publish(notice: RevocationNotice): Promise<void>;
}

/** Without Redis: nothing to announce through; the log alone keeps the one-second bound. */
export class NoRevocationFanout implements RevocationFanout {
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  publish(): Promise<void> {
    return Promise.resolve();
  }
}
