import { epochSeconds, systemClock } from "../../../src/core/clock";

describe("epochSeconds", () => {
  it("counts whole seconds since the epoch, rounding down", () => {
    expect(epochSeconds(new Date(0))).toBe(0);
    expect(epochSeconds(new Date(1_999))).toBe(1);
    expect(epochSeconds(new Date("2030-01-01T00:00:00.999Z"))).toBe(1_893_456_000);
  });
});

describe("systemClock", () => {
  it("reads the real time", () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
