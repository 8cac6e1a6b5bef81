import autocannon from "autocannon";
import { fixed } from "./table";

const REQUEST_TIMEOUT_SECONDS = 10;
/** autocannon stops itself after `duration`; this is the backstop if it ever does not. */
const OVERRUN_SECONDS = 30;
/** Bounds the memory for per-request latencies (8 bytes each). */
const MAX_LATENCY_SAMPLES = 1_000_000;

/** The value at `path` in parsed JSON, or undefined where the path leaves it. */
export function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export interface GraphQLResponse {
  readonly status: number;
  readonly text: string;
  readonly body: { data?: Record<string, unknown> | null; errors?: unknown[] };
}

/** One GraphQL request with fetch, for setup and for checking what the load will receive. */
export async function postGraphQL(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_SECONDS * 1000),
  });
  const text = await response.text();
  let parsed: GraphQLResponse["body"];
  try {
    parsed = JSON.parse(text) as GraphQLResponse["body"];
  } catch {
    throw new Error(`POST /graphql answered ${response.status} with non-JSON: ${text}`);
  }
  return { status: response.status, text, body: parsed };
}

export interface LoadSpec {
  readonly name: string;
  readonly url: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds?: number;
  /** Fixed request rate, for probing latency rather than saturating the server. */
  readonly overallRate?: number;
  readonly verifyBody: (body: string) => boolean;
}

export interface LoadResult {
  readonly spec: LoadSpec;
  readonly requestsPerSecond: number;
  readonly completed: number;
  readonly p50Millis: number;
  readonly p99Millis: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly mismatches: number;
}

/**
 * Runs autocannon against POST /graphql. Percentiles come from autocannon's per-response
 * timings rather than its histogram, which rounds to whole milliseconds.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies = new Float64Array(MAX_LATENCY_SAMPLES);
  let recorded = 0;
  const instance = autocannon({
    url: `${spec.url}/graphql`,
    title: spec.name,
    method: "POST",
    headers: { "content-type": "application/json", ...spec.headers },
    body: spec.body,
    connections: spec.connections,
    duration: spec.durationSeconds,
    timeout: REQUEST_TIMEOUT_SECONDS,
    verifyBody: spec.verifyBody,
    ...(spec.warmupSeconds
      ? { warmup: { duration: spec.warmupSeconds, connections: spec.connections } }
      : {}),
    // With a fixed rate autocannon would otherwise invent samples for every response slower
    // than 1 ms, which hides the latency this probe is meant to show.
    ...(spec.overallRate ? { overallRate: spec.overallRate, ignoreCoordinatedOmission: true } : {}),
  });
  instance.on("response", (_client, _status, _bytes, responseTimeMs) => {
    if (recorded < latencies.length) latencies[recorded++] = responseTimeMs;
  });
  const backstop = setTimeout(
    () => instance.stop(),
    ((spec.warmupSeconds ?? 0) + spec.durationSeconds + OVERRUN_SECONDS) * 1000,
  );
  try {
    const result = await instance;
    const sorted = latencies.subarray(0, recorded).sort();
    return {
      spec,
      requestsPerSecond: result.requests.average,
      completed: result.latency.totalCount,
      p50Millis: percentile(sorted, 50),
      p99Millis: percentile(sorted, 99),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      mismatches: result.mismatches,
    };
  } finally {
    clearTimeout(backstop);
  }
}

/** Nearest-rank percentile of ascending samples; NaN when there are none. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const LOAD_HEADER = [
  "scenario",
  "conns",
  "seconds",
  "requests",
  "req/s",
  "p50 ms",
  "p99 ms",
  "non-2xx",
  "errors",
  "bad body",
];

export function loadRow(result: LoadResult): string[] {
  return [
    result.spec.name,
    String(result.spec.connections),
    String(result.spec.durationSeconds),
    String(result.completed),
    fixed(result.requestsPerSecond, 1),
    fixed(result.p50Millis, 2),
    fixed(result.p99Millis, 2),
    String(result.non2xx),
    String(result.errors),
    String(result.mismatches),
  ];
}

/** Every request of a run must have succeeded with the expected body. */
export function failures(result: LoadResult): string[] {
  const problems: string[] = [];
  if (result.completed === 0) problems.push("no request completed");
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx responses`);
  if (result.errors > 0) problems.push(`${result.errors} errors (${result.timeouts} timeouts)`);
  if (result.mismatches > 0) problems.push(`${result.mismatches} unexpected response bodies`);
  return problems.map((problem) => `${result.spec.name}: ${problem}`);
}
