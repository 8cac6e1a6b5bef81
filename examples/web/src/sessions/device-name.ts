import Bowser from "bowser";

const OTHER_CLIENT_MAX = 40;

/**
 * A name a person recognises their device by, from a session's User-Agent header: "Chrome 156 on
 * Linux", "Safari 17 on iPhone (iOS 17.1)". Parsed by bowser: user agents are a moving target
 * that a regex of our own would get wrong. Desktop systems are named without a version, because
 * browsers freeze it in their user agent (Windows 11 says 10, every macOS says 10.15.7). Not a
 * security signal: a user agent is whatever the client chose to send.
 */
export function deviceName(userAgent: string | null): string {
  if (!userAgent?.trim()) return "Unknown device";
  const { browser, os, platform } = Bowser.parse(userAgent);
  if (!browser.name) {
    const shown = userAgent.trim();
    return `Other client: ${shown.length > OTHER_CLIENT_MAX ? `${shown.slice(0, OTHER_CLIENT_MAX)}…` : shown}`;
  }
  const major = browser.version?.split(".")[0];
  const app = major ? `${browser.name} ${major}` : browser.name;
  const handheld = platform.type === "mobile" || platform.type === "tablet";
  const system = [os.name, handheld ? os.version : undefined].filter(Boolean).join(" ");
  if (platform.model) return `${app} on ${platform.model}${system ? ` (${system})` : ""}`;
  return system ? `${app} on ${system}` : app;
}
