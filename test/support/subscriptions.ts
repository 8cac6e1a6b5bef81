import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

/** `ws://host:port/graphql` for a server's `http://host:port`. */
export function wsUrl(httpUrl: string, suffix = ""): string {
  return `${httpUrl.replace(/^http/, "ws")}/graphql${suffix}`;
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
  /** performance.now() when the client saw the close. */
  readonly at: number;
}

export interface LiveClient {
  readonly client: Client;
  /** Resolves at the first close, with its code and reason. */
  readonly closed: Promise<Closed>;
  /** Resolves once connection_ack arrived; rejects if the socket closes first. */
  readonly acknowledged: Promise<void>;
  dispose(): Promise<void>;
}

/** A real graphql-ws client, with `ws` underneath, that never retries (a test reads its close). */
export function connectClient(
  httpUrl: string,
  options: {
    token?: string;
    payload?: Record<string, unknown>;
    suffix?: string;
    origin?: string;
  } = {},
): LiveClient {
  let resolveClosed!: (closed: Closed) => void;
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  let ack!: () => void;
  let nack!: (error: Error) => void;
  const acknowledged = new Promise<void>((resolve, reject) => {
    ack = resolve;
    nack = reject;
  });
  acknowledged.catch(() => undefined);
  const origin = options.origin;
  const client = createClient({
    url: wsUrl(httpUrl, options.suffix),
    webSocketImpl: origin
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers: { origin } });
          }
        }
      : WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: () =>
      options.payload ??
      (options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    on: {
      connected: () => ack(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        nack(new Error(`closed ${code} ${reason}`));
        resolveClosed({ code, reason: String(reason), at: performance.now() });
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, closed, acknowledged, dispose: () => Promise.resolve(client.dispose()) };
}

export interface Stream<T> {
  readonly events: T[];
  readonly errors: unknown[];
  /** Resolves once `count` events have arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves once the stream errored or completed. */
  readonly ended: Promise<void>;
  stop(): void;
}

export function subscribe<T = Record<string, unknown>>(
  live: LiveClient,
  query: string,
  variables: Record<string, unknown> = {},
): Stream<T> {
  const events: T[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const stop = live.client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) events.push(result.data);
        waiters.forEach((wake) => wake());
      },
      error: (error) => {
        // An `error` message gives the list of GraphQL errors; a close gives the close event.
        if (Array.isArray(error)) errors.push(...(error as unknown[]));
        else errors.push(error);
        end();
      },
      complete: () => end(),
    },
  );
  return {
    events,
    errors,
    ended,
    stop,
    waitFor: (count, timeoutMs = 3_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (events.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(events);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`${events.length} of ${count} events; errors ${JSON.stringify(errors)}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

export const TASK_EVENTS = /* GraphQL */ `
  subscription TaskEvents($all: Boolean) {
    taskEvents(all: $all) {
      kind
      taskId
      task {
        id
        title
        done
        owner {
          id
        }
      }
    }
  }
`;

export interface TaskEventData {
  taskEvents: { kind: string; taskId: string; task: { id: string; title: string } | null };
}
