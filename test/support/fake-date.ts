/**
 * Fakes `Date` alone, frozen until the test moves it, for code that reads `Date.now()` itself
 * rather than an injected clock (rate-limiter-flexible's counters). Timers, `nextTick` and
 * `performance` stay real, so sockets, drivers and servers keep working. `restore` in an
 * `afterEach` or `finally`.
 */
export interface FakeDate {
  /** Moves `Date` forward by `ms` milliseconds. */
  advance(ms: number): void;
  restore(): void;
}

export function fakeDate(start: number = Date.now()): FakeDate {
  jest.useFakeTimers({
    now: start,
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "requestAnimationFrame",
      "cancelAnimationFrame",
      "requestIdleCallback",
      "cancelIdleCallback",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
  });
  return {
    advance: (ms) => jest.setSystemTime(Date.now() + ms),
    restore: () => jest.useRealTimers(),
  };
}
