import type { ExecutionBudgetExceededError } from "../errors/app-errors";

/**
 * What one request may still spend executing, all its operations together, as the field wrapper
 * and the plugins of graphql/budget.ts and graphql/cost.plugin.ts use it. Implemented by
 * `RequestBudget` there; declared here so that the request context depends on no such engine.
 */
export interface ExecutionBudget {
  /** Why the request was stopped, once it was. */
  readonly exceeded: ExecutionBudgetExceededError | undefined;
  /** Counts one field about to resolve; true when it may run at once. Throws once spent. */
  charge(heavy?: boolean): boolean;
  /** Whether a field that took its turn may run now. Throws once spent. */
  mayRun(heavy?: boolean): boolean;
  /** Hands a list result over when the turn has time left, else later. */
  handOver(value: unknown): unknown;
  /** Queues a field for a later turn of the event loop. */
  wait(wake: () => void): void;
  /** Adds an operation's estimated cost; returns the request's total. */
  addEstimate(cost: number): number;
  removeEstimate(cost: number): void;
}
