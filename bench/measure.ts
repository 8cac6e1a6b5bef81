import { performance } from "node:perf_hooks";

export interface MicroOptions {
  /** Timed iterations per case, unless maxMillis runs out first. */
  readonly iterations: number;
  readonly warmupIterations: number;
  /** Upper bound on the timed loop, so slow cases (RS256 signing) stay short. */
  readonly maxMillis: number;
}

export interface Measurement {
  readonly name: string;
  readonly iterations: number;
  readonly millis: number;
}

// Reading the clock on every iteration would add its own cost to sub-10µs operations.
const CLOCK_CHECK_EVERY = 64;

export function measure(
  name: string,
  operation: () => unknown,
  options: MicroOptions,
): Measurement {
  const warmupDeadline = performance.now() + options.maxMillis / 4;
  for (let i = 0; i < options.warmupIterations; i++) {
    operation();
    if (i % CLOCK_CHECK_EVERY === 0 && performance.now() > warmupDeadline) break;
  }
  const start = performance.now();
  const deadline = start + options.maxMillis;
  let iterations = 0;
  while (iterations < options.iterations) {
    operation();
    iterations++;
    if (iterations % CLOCK_CHECK_EVERY === 0 && performance.now() > deadline) break;
  }
  return { name, iterations, millis: performance.now() - start };
}
