/** The source of time, injected so expiry and lifetimes can be tested without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Milliseconds from an arbitrary origin that never jumps with the wall clock: for intervals
 * (staleness, patience, rate of warnings), injected like the clock so tests can move it.
 */
export type MonotonicClock = () => number;

export const systemMonotonic: MonotonicClock = () => performance.now();

export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
