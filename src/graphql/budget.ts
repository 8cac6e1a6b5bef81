import { defaultFieldResolver, type GraphQLSchema, isObjectType } from "graphql";
import { ExecutionBudgetExceededError } from "../errors/app-errors";

/**
 * The run-time bound on one HTTP request, because a static estimate can be fooled by data (a list
 * without pages, a long text): every field that resolves is counted against the request's budget
 * of fields and of time, and once either is spent every further field of the request fails at
 * once, so the request stops growing, its partial result is dropped (budget.plugin.ts) and its
 * memory goes with it. All operations of a batch share one budget, as they share one context.
 */
export interface BudgetLimits {
  readonly maxResolvedFields: number;
  readonly maxExecutionMs: number;
}

/** How often (in fields) the clock is read: often enough to be late by microseconds, not more. */
const CHECK_EVERY = 16;

export type MonotonicClock = () => number;
const monotonic: MonotonicClock = () => performance.now();

/**
 * Shares the event loop between requests. graphql-js completes a list of promises in microtasks,
 * which never give way to I/O: one large response would otherwise keep every other request (and
 * /healthz) waiting until it is done. Once fields have run for `sliceMs` in one turn of the loop,
 * every field of every request waits for the next turn (setImmediate, after the loop has polled
 * for I/O), so no turn runs GraphQL fields much longer than a slice, however many large requests
 * are in flight. One per process.
 */
export class LoopSlicer {
  private turnStartedAt = 0;
  private inTurn = false;
  private pause: Promise<void> | undefined;

  constructor(
    private readonly sliceMs: number,
    private readonly now: MonotonicClock = monotonic,
  ) {}

  /** Nothing to go on at once, or a promise that settles in a later turn of the loop. */
  check(): Promise<void> | undefined {
    if (this.pause) return this.pause;
    const now = this.now();
    if (!this.inTurn) {
      // The turn ends when the loop gets to this immediate; until then the slice runs.
      this.inTurn = true;
      this.turnStartedAt = now;
      setImmediate(() => {
        this.inTurn = false;
      });
      return undefined;
    }
    if (now - this.turnStartedAt < this.sliceMs) return undefined;
    this.pause = new Promise((resolve) => {
      setImmediate(() => {
        this.pause = undefined;
        resolve();
      });
    });
    return this.pause;
  }
}

/** The budget of one HTTP request. */
export class RequestBudget {
  private fields = 0;
  private startedAt = 0;
  private stopped: ExecutionBudgetExceededError | undefined;

  constructor(
    private readonly limits: BudgetLimits,
    private readonly slicer: LoopSlicer,
    private readonly now: MonotonicClock = monotonic,
  ) {}

  /** Why the request was stopped, once it was. */
  get exceeded(): ExecutionBudgetExceededError | undefined {
    return this.stopped;
  }

  /**
   * Counts one field about to resolve. Throws once the budget is spent; returns a promise when
   * the field must wait for the next turn of the event loop.
   */
  charge(): Promise<void> | undefined {
    if (this.stopped) throw this.stopped;
    this.fields += 1;
    if (this.fields === 1) this.startedAt = this.now();
    if (this.fields > this.limits.maxResolvedFields) {
      throw this.stop(
        new ExecutionBudgetExceededError("RESOLVED_FIELDS", this.limits.maxResolvedFields),
      );
    }
    if (this.fields % CHECK_EVERY !== 0) return undefined;
    if (this.now() - this.startedAt > this.limits.maxExecutionMs) {
      throw this.stop(
        new ExecutionBudgetExceededError("EXECUTION_TIME", this.limits.maxExecutionMs),
      );
    }
    return this.slicer.check();
  }

  /** After a wait: the budget may have been spent by another field meanwhile. */
  resume(): void {
    if (this.stopped) throw this.stopped;
  }

  private stop(error: ExecutionBudgetExceededError): ExecutionBudgetExceededError {
    this.stopped = error;
    return error;
  }
}

/** Creates each request's budget; one per server, so every request shares its LoopSlicer. */
export class ExecutionBudgets {
  private readonly slicer: LoopSlicer;
  private readonly now: MonotonicClock;

  constructor(
    private readonly limits: BudgetLimits,
    options: { sliceMs?: number; now?: MonotonicClock } = {},
  ) {
    this.now = options.now ?? monotonic;
    this.slicer = new LoopSlicer(options.sliceMs ?? DEFAULT_SLICE_MS, this.now);
  }

  forRequest(): RequestBudget {
    return new RequestBudget(this.limits, this.slicer, this.now);
  }
}

/** Well under the 100 ms that a person notices and that the contract's `me` p99 allows. */
export const DEFAULT_SLICE_MS = 20;

const instrumented = new WeakSet<GraphQLSchema>();

/**
 * Wraps every field resolver of the schema (introspection's excepted: graphql-js shares those
 * between schemas, and introspection is bounded by its own rule) so that it charges the request's
 * budget first. At the level of graphql-js rather than type-graphql or Apollo, so it holds under
 * any server or transport that executes this schema with a context carrying `budget`.
 */
export function chargeResolvedFields(
  schema: GraphQLSchema,
  budgetOf: (context: unknown) => RequestBudget,
): GraphQLSchema {
  if (instrumented.has(schema)) return schema;
  instrumented.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const budget = budgetOf(context);
        let wait: Promise<void> | undefined;
        try {
          wait = budget.charge();
        } catch (error) {
          // Rejected, never thrown: graphql-js 16 completing a list stops at an item that throws
          // and leaves the promises of the items before it unobserved, and an unobserved
          // rejection ends a Node process.
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        if (!wait) return resolve(source, args, context, info);
        return wait.then(() => {
          budget.resume();
          return resolve(source, args, context, info);
        });
      };
    }
  }
  return schema;
}
