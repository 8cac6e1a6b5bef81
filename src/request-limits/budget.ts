import {
  defaultFieldResolver,
  getNullableType,
  type GraphQLSchema,
  isListType,
  isObjectType,
} from "graphql";
import type { ExecutionBudget } from "../context/execution-budget";
import { ExecutionBudgetExceededError } from "../errors/app-errors";
import { type MonotonicClock, systemMonotonic } from "../core/clock";

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
/** How often (in fields) the slicer reads the clock within a turn (LoopSlicer.mayRun). */
const CLOCK_EVERY = 8;

const monotonic: MonotonicClock = systemMonotonic;

/**
 * Shares the event loop between requests. graphql-js completes a list of promises in microtasks,
 * which never give way to I/O: one large response would otherwise keep every other request (and
 * /healthz) waiting until it is done. Once fields have run for `sliceMs` in one turn of the loop,
 * every further field of every request queues for a later turn (setImmediate, after the loop has
 * polled for I/O), so no turn runs GraphQL fields much longer than a slice, however many large
 * requests are in flight. Each turn wakes a bounded number of queued fields, in order (more when
 * they all ran within the slice, fewer when some had to queue again), so tens of thousands of
 * waiting fields do not all wake at every turn only to queue again. One per process.
 */
export class LoopSlicer {
  private turnStartedAt = 0;
  private inTurn = false;
  private spent = false;
  /** Fields allowed since the clock was last read in this turn. */
  private sinceClock = 0;
  /** Whether a heavy field started in this turn (mayStartHeavy). */
  private heavyStarted = false;
  /** Waiting fields, by request, each request's in order; requests are woken in turn. */
  private readonly queues = new Map<object, Array<() => void>>();
  private scheduled = false;
  private wakePerTurn = MIN_WAKE;
  /** Whether the slice ran out in the last turn that woke queued fields. */
  private wakeTurn = false;
  private wakeTurnSpent = false;

  constructor(
    private readonly sliceMs: number,
    private readonly now: MonotonicClock = monotonic,
  ) {}

  /**
   * Whether a field may run in this turn of the loop. The clock is read for every CLOCK_EVERY-th
   * field only (a reading costs about as much as resolving a plain field), so a turn may run a
   * few fields past its slice: microseconds. `precise` reads it now, for a field that starts more
   * work than that.
   */
  mayRun(precise = false): boolean {
    if (this.spent) return false;
    if (!this.inTurn) {
      this.beginTurn(this.now(), false);
      return true;
    }
    if (!precise && ++this.sinceClock < CLOCK_EVERY) return true;
    this.sinceClock = 0;
    if (this.now() - this.turnStartedAt < this.sliceMs) return true;
    this.spent = true;
    if (this.wakeTurn) this.wakeTurnSpent = true;
    return false;
  }

  /**
   * Like mayRun, for a field whose work lands later, in one piece: a root list reads a page from
   * the database and builds its rows after it starts. One such field starts per turn, with time
   * left in the slice, so two pages never load in one turn; the rest of the slice stays with the
   * other fields, which would otherwise all queue behind every page start.
   */
  mayStartHeavy(): boolean {
    if (!this.mayRun(true) || this.heavyStarted) return false;
    this.heavyStarted = true;
    return true;
  }

  /**
   * Runs `wake` in a later turn, after the fields of the same request that queued before it.
   * Requests take turns, so a small one is not kept waiting behind another's thousands of fields.
   */
  wait(owner: object, wake: () => void): void {
    const queue = this.queues.get(owner);
    if (queue) queue.push(wake);
    else this.queues.set(owner, [wake]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  private beginTurn(now: number, wakeTurn: boolean): void {
    this.inTurn = true;
    this.spent = false;
    this.sinceClock = 0;
    this.heavyStarted = false;
    this.wakeTurn = wakeTurn;
    this.turnStartedAt = now;
    // The turn ends when the loop gets to this immediate; until then the slice runs.
    setImmediate(this.endTurn);
  }

  private readonly endTurn = (): void => {
    this.inTurn = false;
    this.spent = false;
    this.heavyStarted = false;
    this.wakeTurn = false;
  };

  private readonly turn = (): void => {
    this.scheduled = false;
    // More when the last batch of woken fields all ran within its slice, fewer when some queued again.
    this.wakePerTurn = this.wakeTurnSpent
      ? Math.max(MIN_WAKE, this.wakePerTurn >> 1)
      : Math.min(MAX_WAKE, this.wakePerTurn * 2);
    this.wakeTurnSpent = false;
    this.beginTurn(this.now(), true);
    const share = Math.max(1, Math.ceil(this.wakePerTurn / this.queues.size));
    const woken: Array<() => void> = [];
    for (const [owner, queue] of [...this.queues]) {
      woken.push(...queue.splice(0, share));
      // To the back of the line, so the next turn starts with another request.
      this.queues.delete(owner);
      if (queue.length > 0) this.queues.set(owner, queue);
    }
    for (const wake of woken) wake();
    if (this.queues.size > 0) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  };
}

const MIN_WAKE = 16;
const MAX_WAKE = 4096;

/**
 * Fields a request resolves at once, without waiting its turn: enough for an ordinary request
 * (`{ me { id email roles } }` is four) to pay nothing for the slicing below.
 */
const EAGER_FIELDS = 64;

/** The budget of one HTTP request. */
export class RequestBudget implements ExecutionBudget {
  private estimated = 0;
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
   * Counts one field about to resolve, and throws once the budget is spent. True when the field
   * may run at once: the first few of a request do; the rest take their turn (`mayRun`).
   */
  charge(heavy = false): boolean {
    if (this.stopped) throw this.stopped;
    this.fields += 1;
    if (this.fields === 1) this.startedAt = this.now();
    if (this.fields > this.limits.maxResolvedFields) {
      throw this.stop(
        new ExecutionBudgetExceededError("RESOLVED_FIELDS", this.limits.maxResolvedFields),
      );
    }
    if (
      this.fields % CHECK_EVERY === 0 &&
      this.now() - this.startedAt > this.limits.maxExecutionMs
    ) {
      throw this.stop(
        new ExecutionBudgetExceededError("EXECUTION_TIME", this.limits.maxExecutionMs),
      );
    }
    // A root list always takes its turn (LoopSlicer.mayStartHeavy): requests take turns, so a
    // client's one list waits a turn at most.
    return !heavy && this.fields <= EAGER_FIELDS;
  }

  /**
   * Just before a field that took its turn runs: whether it may run now, else it queues
   * (`LoopSlicer.wait`). Asked when the field is about to run rather than when graphql-js hands it
   * over, because graphql-js hands over a whole list's fields at once and their work happens
   * later, in one run of microtasks. Throws once the budget is spent.
   */
  mayRun(heavy = false): boolean {
    // Refusals take their turn too: tens of thousands of fields may be waiting when it stops.
    if (!(heavy ? this.slicer.mayStartHeavy() : this.slicer.mayRun())) return false;
    if (this.stopped) throw this.stopped;
    return true;
  }

  /** A list is where a response fans out: its items are handed over only in a turn with time left. */
  handOver(value: unknown): unknown {
    // The clock is read for every list (precise): handing one over makes graphql-js start all
    // of its items at once.
    if (!Array.isArray(value) || this.slicer.mayRun(true)) return value;
    return new Promise((wake) => this.slicer.wait(this, () => wake(value)));
  }

  /**
   * Adds an operation's estimated cost to the request's; the operations of a batch share the
   * limit as they share this budget. Returns the request's total.
   */
  addEstimate(cost: number): number {
    this.estimated += cost;
    return this.estimated;
  }

  /** Takes back the estimate of an operation that was refused. */
  removeEstimate(cost: number): void {
    this.estimated -= cost;
  }

  /** Queues a field for a later turn of the loop. */
  wait(wake: () => void): void {
    this.slicer.wait(this, wake);
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

const rejection = (error: unknown) =>
  Promise.reject(error instanceof Error ? error : new Error(String(error)));

/**
 * Runs a field that took its turn: now if the turn has time left, else once a later turn has
 * (LoopSlicer.wait). A list it returns is handed over the same way (RequestBudget.handOver).
 */
function runInTurn(budget: ExecutionBudget, heavy: boolean, resolve: () => unknown): unknown {
  if (!budget.mayRun(heavy)) {
    return new Promise<void>((wake) => budget.wait(wake)).then(() =>
      runInTurn(budget, heavy, resolve),
    );
  }
  const result = resolve();
  return isPromise(result)
    ? result.then((value) => budget.handOver(value))
    : budget.handOver(result);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * Wraps every field resolver of the schema (introspection's excepted: graphql-js shares those
 * between schemas, and introspection is bounded by its own rule) so that it charges the request's
 * budget first. At the level of graphql-js rather than type-graphql or Apollo, so it holds under
 * any server or transport that executes this schema with a context carrying `budget`.
 */
export function chargeResolvedFields(
  schema: GraphQLSchema,
  budgetOf: (context: unknown) => ExecutionBudget,
): GraphQLSchema {
  if (instrumented.has(schema)) return schema;
  instrumented.add(schema);
  const roots = new Set([schema.getQueryType(), schema.getMutationType()]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      // A root list loads a whole page at once: see LoopSlicer.mayStartHeavy.
      const heavy = roots.has(type) && isListType(getNullableType(field.type));
      field.resolve = (source, args, context, info) => {
        const budget = budgetOf(context);
        let now: boolean;
        try {
          now = budget.charge(heavy);
        } catch (error) {
          // Rejected, never thrown: graphql-js 16 completing a list stops at an item that throws
          // and leaves the promises of the items before it unobserved, and an unobserved
          // rejection ends a Node process.
          return rejection(error);
        }
        // The first fields of a request run at once and never queue, so an ordinary request is
        // answered promptly however many large ones are waiting their turn. The others run at
        // once too while the turn has time left (runInTurn), wherever graphql-js calls them from
        // (a list's items, or the fields of objects a loader has just resolved, all in one run of
        // microtasks). Deferring every such field to a microtask first, as this did, made every
        // object past the first few fields a promise for graphql-js to complete.
        if (now) return resolve(source, args, context, info);
        try {
          return runInTurn(budget, heavy, () => resolve(source, args, context, info));
        } catch (error) {
          // Rejected, never thrown, as above: a refusal can come at any item of a list.
          return rejection(error);
        }
      };
    }
  }
  return schema;
}
