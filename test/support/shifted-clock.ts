import type { Clock } from "../../src/core/clock";

/**
 * Real time plus an offset the test moves forward: a running server keeps working (the database
 * and the HTTP stack see real time) while expiry and grace periods pass without sleeping.
 */
export class ShiftedClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advanceSeconds(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}
