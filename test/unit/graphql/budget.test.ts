import { setImmediate as nextTurn } from "node:timers/promises";
import { buildSchema, graphql } from "graphql";
import { ExecutionBudgetExceededError } from "../../../src/errors/app-errors";
import {
  chargeResolvedFields,
  ExecutionBudgets,
  LoopSlicer,
  type RequestBudget,
} from "../../../src/graphql/budget";

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
    expect(() => budget.resume()).toThrow(error);
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
  it("lets a turn run for its slice, then makes every caller wait for one later turn", async () => {
    const clock = manualClock();
    const slicer = new LoopSlicer(20, clock.now);
    expect(slicer.check()).toBeUndefined();
    clock.advance(19);
    expect(slicer.check()).toBeUndefined();
    clock.advance(2);
    const pause = slicer.check();
    expect(pause).toBeInstanceOf(Promise);
    expect(slicer.check()).toBe(pause);
    let settled = false;
    void pause?.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await nextTurn();
    expect(settled).toBe(true);
    // A new turn starts a new slice.
    expect(slicer.check()).toBeUndefined();
  });
});

describe("chargeResolvedFields", () => {
  const schema = () =>
    buildSchema("type Query { items: [Item!]! } type Item { id: ID! name: String }");
  const rootValue = { items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}` })) };

  it("charges every field resolved, the default resolver's included", async () => {
    const budgets = new ExecutionBudgets({ maxResolvedFields: 1000, maxExecutionMs: 1000 });
    let charged = 0;
    const counted = chargeResolvedFields(schema(), (context) => {
      const budget = (context as { budget: RequestBudget }).budget;
      return {
        charge: () => {
          charged += 1;
          return budget.charge();
        },
        resume: () => budget.resume(),
      } as unknown as RequestBudget;
    });
    const result = await graphql({
      schema: counted,
      source: "{ items { id name } }",
      rootValue,
      contextValue: { budget: budgets.forRequest() },
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
