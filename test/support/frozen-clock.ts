import type { Clock } from "../../src/core/clock";

/** A Clock that stands still until a test moves it, so expiry can be tested without sleeping. */
export interface FrozenClock extends Clock {
  /** Moves the clock to an absolute instant. */
  set(at: Date | string): void;
  /** Moves the clock forward (or back, with a negative number) by whole or fractional seconds. */
  advanceSeconds(seconds: number): void;
  /** The current instant in epoch seconds, as JWT claims count time. */
  epochSeconds(): number;
}

export const FROZEN_AT = "2030-01-01T00:00:00.000Z";

export function frozenClock(start: Date | string = FROZEN_AT): FrozenClock {
  let current = new Date(start).getTime();
  if (Number.isNaN(current)) throw new Error(`frozenClock: not a date: ${String(start)}`);
  return {
    // A fresh Date each time, so a caller mutating it cannot move the clock.
    now: () => new Date(current),
    set(at) {
      current = new Date(at).getTime();
    },
    advanceSeconds(seconds) {
      current += seconds * 1000;
    },
    epochSeconds: () => Math.floor(current / 1000),
  };
}
