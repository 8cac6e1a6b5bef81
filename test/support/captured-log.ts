import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/logging/logger";

/** The app's own logger (same redaction), writing JSON lines into memory instead of stdout. */
export class CapturedLog {
  private readonly chunks: string[] = [];
  readonly logger: Logger;

  constructor(level = "trace") {
    const sink = new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        this.chunks.push(chunk.toString());
        callback();
      },
    });
    this.logger = createLogger(level, sink);
  }

  text(): string {
    return this.chunks.join("");
  }

  lines(): Array<Record<string, unknown>> {
    return this.text()
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  auditLines(): Array<Record<string, unknown>> {
    return this.lines().filter((line) => line.audit === true);
  }
}
