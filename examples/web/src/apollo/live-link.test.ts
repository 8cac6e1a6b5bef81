import { ApolloClient, gql, InMemoryCache } from "@apollo/client";
import type { Client, Sink } from "graphql-ws";
import { describe, expect, it, vi } from "vitest";
import { isApiUnreachable } from "../auth/errors";
import { singleFlight } from "../auth/single-flight";
import { createLiveLink } from "./live-link";
import type { LiveSocket } from "./live-socket";

const TASK_EVENTS = gql`
  subscription TaskEvents {
    taskEvents {
      kind
      taskId
    }
  }
`;

const event = (taskId: string) => ({
  data: { taskEvents: { __typename: "TaskEvent", kind: "CREATED", taskId } },
});

/**
 * A stand-in for graphql-ws' client against the API: a connection opened with the valid token is
 * acknowledged and streams one event; any other token is closed with 4401 at `connection_init`,
 * as the API does. `expireAll()` closes the open connections with 4401 `TOKEN_EXPIRED`.
 */
function fakeSocket(validToken: () => string, currentToken: () => string | null) {
  let acknowledgements = 0;
  let lastClose: { code: number; token: string | null } | null = null;
  const sent: Array<string | null> = [];
  const open = new Set<{ sink: Sink; token: string | null }>();
  const close = (code: number, token: string | null, sink: Sink) => {
    lastClose = { code, token };
    // What GraphQLWsLink receives from graphql-ws: the CloseEvent itself.
    sink.error({ code, reason: code === 4401 ? "TOKEN_EXPIRED" : "", wasClean: true });
  };
  const client = {
    subscribe: (_payload: unknown, sink: Sink) => {
      const token = currentToken();
      sent.push(token);
      const connection = { sink, token };
      queueMicrotask(() => {
        if (token !== validToken()) return close(4401, token, sink);
        acknowledgements += 1;
        lastClose = null;
        open.add(connection);
        sink.next(event(`seen-with-${token}`));
      });
      return () => open.delete(connection);
    },
  } as unknown as Client;
  const socket: LiveSocket = {
    client,
    lastClose: () => lastClose,
    acknowledgements: () => acknowledgements,
  };
  const expireAll = () => {
    for (const connection of [...open]) {
      open.delete(connection);
      close(4401, connection.token, connection.sink);
    }
  };
  return { socket, sent, expireAll };
}

function setUp(options: { refreshSucceeds?: boolean; refreshIssues?: () => string } = {}) {
  let token: string | null = "expired";
  let valid = "fresh-1";
  let issued = 0;
  const socket = fakeSocket(
    () => valid,
    () => token,
  );
  const refresh = vi.fn(async () => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (options.refreshSucceeds === false) throw new Error("refresh refused");
    token = options.refreshIssues?.() ?? `fresh-${++issued}`;
  });
  const onSessionExpired = vi.fn(() => {
    token = null;
  });
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    // Two identical subscriptions would otherwise share one: each must reach the link.
    queryDeduplication: false,
    link: createLiveLink({
      socket: socket.socket,
      getAccessToken: () => token,
      refreshAccessToken: singleFlight(refresh),
      onSessionExpired,
      isUnreachable: isApiUnreachable,
    }),
  });
  const seen: string[] = [];
  const errors: unknown[] = [];
  const subscribe = () =>
    client.subscribe({ query: TASK_EVENTS, fetchPolicy: "no-cache" }).subscribe({
      next: (result) => {
        if (result.error) errors.push(result.error);
        const data = result.data as { taskEvents: { taskId: string } } | undefined;
        if (data) seen.push(data.taskEvents.taskId);
      },
      error: (error: unknown) => errors.push(error),
    });
  return {
    ...socket,
    refresh,
    onSessionExpired,
    seen,
    errors,
    subscribe,
    validate: (next: string) => (valid = next),
    signOut: () => (token = null),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("createLiveLink", () => {
  it("on 4401, two subscriptions share one refresh and each subscribes again with the new token", async () => {
    const { refresh, onSessionExpired, sent, seen, errors, subscribe } = setUp();
    subscribe();
    subscribe();
    await settle();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(onSessionExpired).not.toHaveBeenCalled();
    expect(sent).toEqual(["expired", "expired", "fresh-1", "fresh-1"]);
    expect(seen).toEqual(["seen-with-fresh-1", "seen-with-fresh-1"]);
    expect(errors).toEqual([]);
  });

  it("refreshes again at the next expiry of a subscription that was acknowledged in between", async () => {
    const { refresh, sent, seen, errors, subscribe, expireAll, validate } = setUp();
    subscribe();
    await settle();
    validate("fresh-2");
    expireAll();
    await settle();
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(sent).toEqual(["expired", "fresh-1", "fresh-2"]);
    expect(seen).toEqual(["seen-with-fresh-1", "seen-with-fresh-2"]);
    expect(errors).toEqual([]);
  });

  it("does not loop: a new token refused too is passed on after one refresh", async () => {
    const { refresh, onSessionExpired, sent, errors, subscribe } = setUp({
      refreshIssues: () => "also-refused",
    });
    subscribe();
    await settle();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(onSessionExpired).not.toHaveBeenCalled();
    expect(sent).toEqual(["expired", "also-refused"]);
    expect(errors).toHaveLength(1);
  });

  it("ends the session when the refresh is refused (the session was revoked)", async () => {
    const { refresh, onSessionExpired, sent, errors, subscribe } = setUp({
      refreshSucceeds: false,
    });
    subscribe();
    await settle();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
    expect(sent).toEqual(["expired"]);
    expect(errors).toHaveLength(1);
  });

  it("says nothing when the refusal lands after the person signed out (their sign-out closed the socket)", async () => {
    const { onSessionExpired, errors, subscribe, signOut } = setUp({ refreshSucceeds: false });
    subscribe();
    signOut();
    await settle();
    expect(onSessionExpired).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
  });
});
