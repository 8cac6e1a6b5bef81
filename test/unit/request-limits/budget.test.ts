import { setImmediate as nextTurn } from "node:timers/promises";
import { buildSchema, graphql } from "graphql";
import { ExecutionBudgetExceededError } from "../../../src/errors/app-errors";
import {
  chargeResolvedFields,
  ExecutionBudgets,
  LoopSlicer,
  type RequestBudget,
} from "../../../src/request-limits/budget";

/** A monotonic clock the test moves by hand. */
function manualClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function stoppedBy(run: () => unknown): ExecutionBudgetExceededError {
  try {
    run();
  } catch (error) {
    if (error instanceof ExecutionBudgetExceededError) return error;
    throw error;
  }
  throw new Error("the budget did not stop it");
}

describe("RequestBudget", () => {
  it("stops at the field after the limit, and every field after it", () => {
    const budget = new ExecutionBudgets({
      maxResolvedFields: 10,
      maxExecutionMs: 1000,
    }).forRequest();
    for (let i = 0; i < 10; i++) void budget.charge();
    const error = stoppedBy(() => budget.charge());
    expect(error.extensions).toMatchObject({
      code: "EXECUTION_BUDGET_EXCEEDED",
      reason: "RESOLVED_FIELDS",
      limit: 10,
      http: { status: 400 },
    });
    expect(budget.exceeded).toBe(error);
    expect(stoppedBy(() => budget.charge())).toBe(error);
    expect(() => budget.mayRun()).toThrow(error);
    // graphql-js takes it as located as it is, rather than wrapping it once per field.
    expect(error.path).toEqual([]);
  });

  it("stops once the request has run longer than allowed", () => {
    const clock = manualClock();
    const budget = new ExecutionBudgets(
      { maxResolvedFields: 1_000_000, maxExecutionMs: 100 },
      { now: clock.now, sliceMs: 1_000_000 },
    ).forRequest();
    for (let i = 0; i < 64; i++) void budget.charge();
    clock.advance(101);
    const error = stoppedBy(() => {
      for (let i = 0; i < 64; i++) void budget.charge();
    });
    expect(error.extensions).toMatchObject({ reason: "EXECUTION_TIME", limit: 100 });
  });

  it("hands a list over only in a turn with time left, reading the clock for it", async () => {
    const clock = manualClock();
    const budget = new ExecutionBudgets(
      { maxResolvedFields: 1_000, maxExecutionMs: 1_000_000 },
      { now: clock.now, sliceMs: 20 },
    ).forRequest();
    const list = [1, 2, 3];
    expect(budget.handOver(list)).toBe(list);
    expect(budget.handOver("not a list")).toBe("not a list");
    clock.advance(21);
    // At once, not a few fields later: every item of a list starts when it is handed over.
    const later = budget.handOver(list);
    expect(later).toBeInstanceOf(Promise);
    await nextTurn();
    await expect(later).resolves.toBe(list);
  });

  it("gives each request its own count", () => {
    const budgets = new ExecutionBudgets({ maxResolvedFields: 3, maxExecutionMs: 1000 });
    const first = budgets.forRequest();
    for (let i = 0; i < 3; i++) void first.charge();
    expect(() => first.charge()).toThrow(ExecutionBudgetExceededError);
    const second = budgets.forRequest();
    expect(() => second.charge()).not.toThrow();
  });
});

describe("LoopSlicer", () => {
  const owner = {};

  it("takes requests in turn, so a small one is not queued behind a large one", async () => {
    const clock = manualClock();
    const slicer = new LoopSlicer(20, clock.now);
    const order: string[] = [];
    const large = {};
    const small = {};
    for (let i = 0; i < 5000; i++) slicer.wait(large, () => order.push("large"));
    slicer.wait(small, () => order.push("small"));
    await nextTurn();
    expect(order).toContain("small");
    expect(order.length).toBeLessThan(5001);
  });

  it("lets a turn run for its slice, then queues every caller for later turns, in order", async () => {
    const clock = manualClock();
    const slicer = new LoopSlicer(20, clock.now);
    expect(slicer.mayRun()).toBe(true);
    clock.advance(19);
    for (let i = 0; i < 100; i++) expect(slicer.mayRun()).toBe(true);
    clock.advance(2);
    // The clock is read every few fields, so a handful more may run, never many.
    let late = 0;
    while (late < 100 && slicer.mayRun()) late += 1;
    expect(late).toBeLessThan(8);
    expect(slicer.mayRun()).toBe(false);
    expect(slicer.mayRun(true)).toBe(false);
    const woken: number[] = [];
    for (let i = 0; i < 3; i++) slicer.wait(owner, () => woken.push(i));
    await Promise.resolve();
    expect(woken).toEqual([]);
    await nextTurn();
    expect(woken).toEqual([0, 1, 2]);
    // A new turn starts a new slice.
    expect(slicer.mayRun()).toBe(true);
  });

  it("starts one heavy field per turn, and leaves the rest of the slice to the others", async () => {
    const clock = manualClock();
    const slicer = new LoopSlicer(20, clock.now);
    expect(slicer.mayStartHeavy()).toBe(true);
    expect(slicer.mayRun()).toBe(true);
    expect(slicer.mayStartHeavy()).toBe(false);
    await nextTurn();
    expect(slicer.mayStartHeavy()).toBe(true);
  });

  it("reads the clock at once when asked to be precise", () => {
    const clock = manualClock();
    const slicer = new LoopSlicer(20, clock.now);
    expect(slicer.mayRun()).toBe(true);
    clock.advance(21);
    expect(slicer.mayRun(true)).toBe(false);
  });

  it("starts no heavy field once the slice is spent", async () => {
    const clock = manualClock();
    const slicer = new LoopSlicer(20, clock.now);
    expect(slicer.mayRun()).toBe(true);
    clock.advance(21);
    expect(slicer.mayStartHeavy()).toBe(false);
    await nextTurn();
    expect(slicer.mayStartHeavy()).toBe(true);
  });

  it("wakes a bounded number of queued fields per turn", async () => {
    const clock = manualClock();
    const slicer = new LoopSlicer(20, clock.now);
    let woken = 0;
    for (let i = 0; i < 10_000; i++) slicer.wait(owner, () => (woken += 1));
    await nextTurn();
    expect(woken).toBeGreaterThan(0);
    expect(woken).toBeLessThan(10_000);
  });
});

describe("chargeResolvedFields", () => {
  const schema = () =>
    buildSchema("type Query { items: [Item!]! } type Item { id: ID! name: String }");
  const rootValue = { items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}` })) };

  it("charges every field resolved, the default resolver's included", async () => {
    const budgets = new ExecutionBudgets({ maxResolvedFields: 1000, maxExecutionMs: 1000 });
    let charged = 0;
    const budget = budgets.forRequest();
    const charge = budget.charge.bind(budget);
    jest.spyOn(budget, "charge").mockImplementation(() => {
      charged += 1;
      return charge();
    });
    const counted = chargeResolvedFields(
      schema(),
      (context) => (context as { budget: RequestBudget }).budget,
    );
    const result = await graphql({
      schema: counted,
      source: "{ items { id name } }",
      rootValue,
      contextValue: { budget },
    });
    expect(result.errors).toBeUndefined();
    expect(charged).toBe(1 + 50 * 2);
  });

  it("stops a response that grows past the budget", async () => {
    const budgets = new ExecutionBudgets({ maxResolvedFields: 30, maxExecutionMs: 1000 });
    const counted = chargeResolvedFields(
      schema(),
      (context) => (context as { budget: RequestBudget }).budget,
    );
    const budget = budgets.forRequest();
    const result = await graphql({
      schema: counted,
      source: "{ items { id name } }",
      rootValue,
      contextValue: { budget },
    });
    expect(result.data).toBeNull();
    expect(budget.exceeded?.reason).toBe("RESOLVED_FIELDS");
  });
});
