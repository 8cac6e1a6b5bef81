const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses lifetimes such as `15m`, `7d`, `10s` or a bare number of seconds into seconds. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = /^\s*(\d{1,9})\s*([smhd]?)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] || "s").toLowerCase();
  return Number(match[1]) * UNIT_SECONDS[unit];
}

/** Like parseDurationSeconds, with milliseconds too (`250ms`), for bounds finer than a second. */
export function parseDurationMillis(text: string): number | undefined {
  const match = /^\s*(\d{1,9})\s*ms\s*$/i.exec(text);
  if (match) return Number(match[1]);
  const seconds = parseDurationSeconds(text);
  return seconds === undefined ? undefined : seconds * 1000;
}
