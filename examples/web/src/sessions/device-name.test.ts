import { describe, expect, it } from "vitest";
import { deviceName } from "./device-name";

describe("deviceName", () => {
  it.each([
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
      "Chrome 156 on Linux",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
      "Safari 17 on iPhone (iOS 17.1)",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
      "Firefox 133 on Windows",
    ],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      "Microsoft Edge 131 on macOS",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
      "Chrome 131 on Android 14",
    ],
  ])("names %s as %s", (userAgent, name) => {
    expect(deviceName(userAgent)).toBe(name);
  });

  it("shows other clients by what they sent, shortened, and says when nothing was sent", () => {
    expect(deviceName("curl/8.5.0")).toBe("Other client: curl/8.5.0");
    expect(deviceName("node")).toBe("Other client: node");
    expect(deviceName("x".repeat(100))).toBe(`Other client: ${"x".repeat(40)}…`);
    expect(deviceName("my-service/1.4.2")).toBe("Other client: my-service/1.4.2");
    expect(deviceName(null)).toBe("Unknown device");
    expect(deviceName("  ")).toBe("Unknown device");
  });
});
