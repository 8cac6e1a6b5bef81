// autocannon ships no type declarations; this covers only the part of its programmatic API the
// benchmark uses.
declare module "autocannon" {
  namespace autocannon {
    interface Options {
      url: string;
      title?: string;
      method?: "GET" | "POST";
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      /** Requests per second across all connections; unlimited when absent. */
      overallRate?: number;
      ignoreCoordinatedOmission?: boolean;
      warmup?: { duration: number; connections?: number };
      /** A false return counts the response as a mismatch. */
      verifyBody?: (body: string) => boolean;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      title?: string;
      url: string;
      connections: number;
      /** Seconds actually run. */
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      "2xx": number;
      statusCodeStats: Record<string, { count: number }>;
      /** Milliseconds, at whole-millisecond resolution. */
      latency: Histogram & { totalCount: number };
      /** Per one-second sample. */
      requests: Histogram & { total: number; sent: number };
      throughput: Histogram & { total: number };
    }

    interface Instance extends PromiseLike<Result> {
      on(
        event: "response",
        listener: (
          client: unknown,
          statusCode: number,
          bytes: number,
          responseTimeMs: number,
        ) => void,
      ): this;
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
