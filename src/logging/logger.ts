import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

const REDACTED_PATHS = [
  "password",
  "*.password",
  "currentPassword",
  "newPassword",
  "*.currentPassword",
  "*.newPassword",
  "token",
  "*.token",
  "accessToken",
  "refreshToken",
  "*.accessToken",
  "*.refreshToken",
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
];

/** The application's logger: JSON lines on stdout, or on `destination` (tests capture it). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
