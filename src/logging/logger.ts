import pino, { type DestinationStream, type Logger } from "pino";
import pinoPretty from "pino-pretty";

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

export const LOG_FORMATS = ["pretty", "json"] as const;
/** JSON lines, for collectors (production, and whatever reads the output); pretty, for a person. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The application's logger: JSON lines on stdout, or on `destination` (tests capture it). The
 * pretty format writes on the main thread, synchronously (no transport worker): it is for a
 * developer's terminal, where a line lost at a crash costs more than the speed.
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  format: LogFormat = "json",
): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  if (destination) return pino(options, destination);
  if (format === "pretty") {
    return pino(
      options,
      pinoPretty({ sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }),
    );
  }
  return pino(options);
}
