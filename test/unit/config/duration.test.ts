import { parseDurationSeconds } from "../../../src/config/parsers";

describe("parseDurationSeconds", () => {
  it.each([
    ["15m", 900],
    ["7d", 604_800],
    ["10s", 10],
    ["2h", 7200],
    ["0s", 0],
    ["90", 90],
    ["0", 0],
    ["15M", 900],
    [" 7 d ", 604_800],
    ["999999999", 999_999_999],
  ])("reads %j as %d seconds", (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(["", " ", "m", "15min", "1w", "1.5h", "-5m", "+5m", "1e3", "15 m s", "1000000000", "5y"])(
    "refuses %j",
    (text) => {
      expect(parseDurationSeconds(text)).toBeUndefined();
    },
  );
});
