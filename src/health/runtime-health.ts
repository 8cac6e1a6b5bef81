import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { Logger } from "../logging/logger";
import { systemMonotonic } from "../core/clock";

/** What the revocation view tells about its freshness (DatabaseRevocationView has it). */
export interface ViewFreshness {
  viewAgeMs(): number;
  stats(): { readonly staleWaits: number; readonly staleRefusals: number };
}

export interface RuntimeHealthOptions {
  /** How often the event-loop delay histogram is read and reset. */
  readonly sampleIntervalMs?: number;
  /** At most one warning line per this interval, however long the trouble lasts. */
  readonly logIntervalMs?: number;
  /** Event-loop delay worth a warning: one piece of work held every other request this long. */
  readonly loopDelayWarnMs?: number;
  /** The revocation view's staleness bound: older than this, token checks wait or fail. */
  readonly viewAgeWarnMs: number;
  readonly monotonicNow?: () => number;
}

export interface RuntimeHealthReport {
  /** Delay of the event loop over the last one to two seconds, in milliseconds. */
  readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
  /** Time since the revocation view's last successful read started, in milliseconds. */
  readonly revocationViewAgeMs: number;
}

/** The histogram's timer granularity: its readings include it, which is subtracted. */
const RESOLUTION_MS = 10;
const NS_PER_MS = 1e6;

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Watches the event loop (perf_hooks.monitorEventLoopDelay) and the revocation view's age, for
 * /readyz and for the logs. When either is high it writes one warning line per `logIntervalMs`
 * with the worst seen since the previous line, never one per request: a stall that delays a
 * thousand requests is one line.
 */
export class RuntimeHealth {
  /**
   * Two histograms, reset in turn: a reset histogram drops the first delay it would record, so
   * a stall that begins right after one reset is seen by the other. Each covers the last one or
   * two sample intervals.
   */
  private readonly histograms: readonly IntervalHistogram[] = [0, 1].map(() =>
    monitorEventLoopDelay({ resolution: RESOLUTION_MS }),
  );
  private samples = 0;
  private readonly monotonicNow: () => number;
  private timer?: NodeJS.Timeout;
  private lastLoggedAt = -Infinity;
  private worstDelayMs = 0;
  private worstViewAgeMs = 0;
  private countsAtLastLog = { staleWaits: 0, staleRefusals: 0 };

  constructor(
    private readonly logger: Logger,
    private readonly view: ViewFreshness,
    private readonly options: RuntimeHealthOptions,
  ) {
    this.monotonicNow = options.monotonicNow ?? systemMonotonic;
  }

  start(): void {
    if (this.timer) return;
    for (const histogram of this.histograms) histogram.enable();
    this.countsAtLastLog = { ...this.view.stats() };
    this.timer = setInterval(() => this.sample(), this.options.sampleIntervalMs ?? 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const histogram of this.histograms) histogram.disable();
  }

  report(): RuntimeHealthReport {
    const delay = this.readDelay();
    return {
      eventLoopDelayMs: { p99: round(delay.p99), max: round(delay.max) },
      revocationViewAgeMs: Math.max(0, Math.round(this.view.viewAgeMs())),
    };
  }

  /** Resets one histogram (the older) and logs if the time has come and things were bad. */
  sample(): void {
    this.worstDelayMs = Math.max(this.worstDelayMs, this.readDelay().max);
    this.histograms[this.samples++ % this.histograms.length].reset();
    this.worstViewAgeMs = Math.max(this.worstViewAgeMs, this.view.viewAgeMs());

    const now = this.monotonicNow();
    if (now - this.lastLoggedAt < (this.options.logIntervalMs ?? 10_000)) return;
    const counts = this.view.stats();
    const staleWaits = counts.staleWaits - this.countsAtLastLog.staleWaits;
    const staleRefusals = counts.staleRefusals - this.countsAtLastLog.staleRefusals;
    const loopHeld = this.worstDelayMs >= (this.options.loopDelayWarnMs ?? 100);
    const viewStale =
      this.worstViewAgeMs > this.options.viewAgeWarnMs || staleWaits > 0 || staleRefusals > 0;
    if (!loopHeld && !viewStale) return;
    this.logger.warn(
      {
        eventLoopDelayMs: { max: round(this.worstDelayMs) },
        revocationViewAgeMs: Math.round(this.worstViewAgeMs),
        // Token checks that found the view past its bound: waited for a read, or were refused.
        staleWaits,
        staleRefusals,
      },
      loopHeld ? "event loop held up" : "revocation view past its bound",
    );
    this.lastLoggedAt = now;
    this.worstDelayMs = 0;
    this.worstViewAgeMs = 0;
    this.countsAtLastLog = { staleWaits: counts.staleWaits, staleRefusals: counts.staleRefusals };
  }

  /** The worst of both histograms, in milliseconds beyond the timer's resolution. */
  private readDelay(): { p99: number; max: number } {
    const delay = (ns: number) => Math.max(0, ns / NS_PER_MS - RESOLUTION_MS);
    let p99 = 0;
    let max = 0;
    for (const histogram of this.histograms) {
      // An empty histogram reads 0 everywhere, which must not become -RESOLUTION_MS.
      if (histogram.count === 0) continue;
      p99 = Math.max(p99, delay(histogram.percentile(99)));
      max = Math.max(max, delay(histogram.max));
    }
    return { p99, max };
  }
}
