import { setTimeout as sleep } from "node:timers/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { getIntrospectionQuery } from "graphql";
import { Role } from "../../src/core/role";
import { startCompiledServer, type CompiledServer } from "../support/compiled-server";

/**
 * The worst documents an attacker with an EDITOR account can send, sent over and over by three
 * clients at once while another user reads `me`: the cost limit lets each through at its maximum
 * (aliases of full pages, nested pages, batches of ten sharing one budget) or refuses it, and the
 * run-time budget shares the event loop, so that user stays answered promptly.
 *
 * The server is the compiled one in a process of its own, as `npm start` runs it, so the figures
 * are the server's and not the test runner's: a preloaded probe keeps its own
 * monitorEventLoopDelay histogram and prints it on SIGUSR2. SQLite, whose queries run on the
 * event loop itself, is the harder case.
 */
const TASK_FIELDS = "id title done createdAt updatedAt cursor";
const FULL_PAGES = `{ ${Array.from(
  { length: 5 },
  (_, i) =>
    `a${i}: allTasks(first: 500) { ${TASK_FIELDS} owner { id displayName createdAt cursor } }`,
).join(" ")} }`;
const TEN_PAGES = `{ allTasks(first: 250) { ${TASK_FIELDS} owner { id displayName createdAt cursor } } }`;
const NESTED_PAGES = `{ me { tasks(first: 500) { ${TASK_FIELDS} owner { id tasks(first: 7) { ${TASK_FIELDS} } } } } }`;
const DEEP =
  "{ me { tasks(first: 100) { id owner { tasks(first: 10) { id owner { tasks(first: 4) { id owner { id displayName } } } } } } } }";
const ISSUE_DOCUMENT =
  "{ me { tasks { id owner { id tasks { id owner { id tasks { id } } } } } } }";
const REPEATED = `{ me { ${"tasks { id } ".repeat(240)} } }`;
const batch = (query: string) => Array.from({ length: 10 }, () => ({ query }));
const WORST: unknown[] = [
  { query: FULL_PAGES },
  batch(FULL_PAGES),
  batch(TEN_PAGES),
  { query: REPEATED },
  batch(NESTED_PAGES),
  { query: DEEP },
  batch(ISSUE_DOCUMENT),
  batch(REPEATED),
  batch(getIntrospectionQuery()),
];

const PROBE = `
const { monitorEventLoopDelay } = require("node:perf_hooks");
const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
process.on("SIGUSR2", () => {
  const figures = { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 };
  process.stderr.write("EVENT_LOOP " + JSON.stringify(figures) + "\\n");
  histogram.reset();
});
`;

interface LoopFigures {
  readonly p99: number;
  readonly max: number;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe("the event loop under the worst documents (sqlite)", () => {
  let server: CompiledServer;
  let attackerToken: string;
  let victimToken: string;

  beforeAll(async () => {
    server = await startCompiledServer({ preload: PROBE });
    const attacker = await server.account([Role.EDITOR]);
    attackerToken = attacker.accessToken;
    victimToken = (await server.account([Role.USER])).accessToken;
    await server.addTasks(attacker.id, 600);
  }, 60_000);

  afterAll(() => server?.close());

  /** The server's own event-loop delay since the last reading. */
  async function serverLoop(): Promise<LoopFigures> {
    const before = server.process.output().length;
    server.process.child.kill("SIGUSR2");
    for (let waited = 0; waited < 5000; waited += 20) {
      const match = /EVENT_LOOP (\{[^\n]*\})/.exec(server.process.output().slice(before));
      if (match) return JSON.parse(match[1]) as LoopFigures;
      await sleep(20);
    }
    throw new Error("the server's event-loop probe did not answer");
  }

  async function post(body: unknown, token: string): Promise<number> {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    // Read and dropped: the attacker's client is not what is measured.
    await response.arrayBuffer();
    return response.status;
  }

  async function measure(millis: number, attack: boolean) {
    // The test runner's own loop, which waits on sockets almost all the time: its delay is what
    // the machine's other processes take from everyone, reported beside the server's.
    const runner = monitorEventLoopDelay({ resolution: 10 });
    runner.enable();
    await serverLoop();
    let stop = false;
    const statuses = new Map<number, number>();
    const attackers = attack
      ? Array.from({ length: 3 }, async (_, client) => {
          for (let i = client; !stop; i++) {
            const status = await post(WORST[i % WORST.length], attackerToken);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        })
      : [];
    const latencies: number[] = [];
    const until = performance.now() + millis;
    while (performance.now() < until) {
      const started = performance.now();
      const status = await post({ query: "{ me { id email roles } }" }, victimToken);
      latencies.push(performance.now() - started);
      expect(status).toBe(200);
      await sleep(10);
    }
    const loop = await serverLoop();
    runner.disable();
    stop = true;
    await Promise.all(attackers);
    return {
      runnerLoopP99: runner.percentile(99) / 1e6,
      meP99: percentile(latencies, 99),
      meMax: Math.max(...latencies),
      meRequests: latencies.length,
      loop,
      statuses: Object.fromEntries(statuses),
    };
  }

  it("keeps another user's `me` answered promptly while the worst documents are sent", async () => {
    const baseline = await measure(2000, false);
    const attacked = await measure(10_000, true);
    if (process.env.REPORT_FIGURES) console.log(JSON.stringify({ baseline, attacked }, null, 1));
    // The attack ran through every document, and nothing it sent was a server error.
    const sent = Object.values(attacked.statuses).reduce((sum, count) => sum + count, 0);
    expect(sent).toBeGreaterThan(WORST.length);
    expect(Object.keys(attacked.statuses).every((status) => Number(status) < 500)).toBe(true);
    // Generous, and against the same test's idle figures, so that a loaded machine does not fail
    // it: on two shared cores the kernel alone takes the busy server off the CPU for tens of
    // milliseconds, more when other suites run (the server's own turns of the loop stay under
    // about 40 ms of CPU; see the report figures). Without the budget's slicing one page of these
    // documents blocks the loop for a second or more, and `me` gets 503 from the stale
    // revocation view.
    expect(attacked.meP99).toBeLessThan(400 + baseline.meP99);
    expect(attacked.loop.p99).toBeLessThan(400 + baseline.loop.p99);
    expect(attacked.loop.max).toBeLessThan(1000);
  }, 120_000);
});
