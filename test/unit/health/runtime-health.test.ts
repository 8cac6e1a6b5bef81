import { RuntimeHealth, type ViewFreshness } from "../../../src/health/runtime-health";
import { CapturedLog } from "../../support/captured-log";
import { sleep } from "../../support/time";

/** A revocation view whose age and counters the test sets. */
function fakeView() {
  const view = { ageMs: 100, staleWaits: 0, staleRefusals: 0 };
  const freshness: ViewFreshness = {
    viewAgeMs: () => view.ageMs,
    stats: () => ({ staleWaits: view.staleWaits, staleRefusals: view.staleRefusals }),
  };
  return { view, freshness };
}

const holdLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe("RuntimeHealth", () => {
  let monotonic = 0;
  let health: RuntimeHealth | undefined;
  afterEach(() => health?.stop());

  const start = (log: CapturedLog, freshness: ViewFreshness) => {
    monotonic = 0;
    health = new RuntimeHealth(log.logger, freshness, {
      viewAgeWarnMs: 1_000,
      logIntervalMs: 10_000,
      loopDelayWarnMs: 100,
      // Sampled by hand below, never by the timer.
      sampleIntervalMs: 3_600_000,
      monotonicNow: () => monotonic,
    });
    health.start();
    return health;
  };

  it("reports the event-loop delay of a stall and the view's age", async () => {
    const { view, freshness } = fakeView();
    const health = start(new CapturedLog("warn"), freshness);
    await sleep(50);
    expect(health.report().eventLoopDelayMs.max).toBeLessThan(150);
    view.ageMs = 1_234.4;
    holdLoop(200);
    await sleep(30); // the histogram's own timer notes the delay on its next tick
    const report = health.report();
    expect(report.eventLoopDelayMs.max).toBeGreaterThanOrEqual(150);
    expect(report.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(150);
    expect(report.revocationViewAgeMs).toBe(1_234);
    // Still reported for the window after the one that held the stall.
    health.sample();
    expect(health.report().eventLoopDelayMs.max).toBeGreaterThanOrEqual(150);
  });

  it("writes nothing while the loop and the view are well", async () => {
    const log = new CapturedLog("trace");
    const health = start(log, fakeView().freshness);
    for (let second = 0; second < 30; second++) {
      await sleep(5);
      health.sample();
      monotonic += 1_000;
    }
    expect(log.lines()).toEqual([]);
  });

  it("writes one line per interval while the view is stale, with the worst age seen", () => {
    const log = new CapturedLog("warn");
    const { view, freshness } = fakeView();
    const health = start(log, freshness);
    for (let second = 0; second < 50; second++) {
      view.ageMs = second === 13 ? 4_000 : 1_500;
      view.staleWaits += 100; // a hundred waiting requests a second: still one line per interval
      health.sample();
      monotonic += 1_000;
    }
    const lines = log.lines();
    expect(lines.map((line) => line.msg)).toEqual(Array(5).fill("revocation view past its bound"));
    expect(lines.map((line) => line.revocationViewAgeMs)).toEqual([
      1_500, 1_500, 4_000, 1_500, 1_500,
    ]);
    expect(lines.map((line) => line.staleWaits)).toEqual([100, 1_000, 1_000, 1_000, 1_000]);
  });

  it("logs a stall once, on the next sample, even right after another line", async () => {
    const log = new CapturedLog("warn");
    const { view, freshness } = fakeView();
    const health = start(log, freshness);
    await sleep(30); // each histogram drops its first delay: let them tick once
    view.ageMs = 2_000;
    health.sample();
    expect(log.lines()).toHaveLength(1);
    view.ageMs = 100;

    monotonic += 1_000;
    holdLoop(200);
    await sleep(30);
    health.sample();
    expect(log.lines()).toHaveLength(1); // within the interval of the first line
    monotonic += 9_000;
    health.sample(); // this window was quiet, but the stall is still owed a line
    const lines = log.lines();
    expect(lines).toHaveLength(2);
    expect(lines[1].msg).toBe("event loop held up");
    expect((lines[1].eventLoopDelayMs as { max: number }).max).toBeGreaterThanOrEqual(150);
  });
});
