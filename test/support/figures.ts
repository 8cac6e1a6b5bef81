import { appendFileSync } from "node:fs";

/**
 * Measurements a suite reports, one JSON line each, to TEST_FIGURES_FILE when it is set (CI
 * prints the file after the Galera run); without it they are only asserted on.
 */
export function recordFigure(suite: string, name: string, value: number | string, unit = ""): void {
  const file = process.env.TEST_FIGURES_FILE;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ suite, name, value, unit })}\n`);
}

/** The median and the largest of some measurements (the median of an even count is the upper). */
export function medianAndMax(values: readonly number[]): { p50: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}
