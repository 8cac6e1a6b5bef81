import { FreshCache } from "../../../src/core/fresh-cache";

/** A load that resolves when told to, counting how often it was asked. */
function controlledLoad() {
  const calls: string[] = [];
  const pending: Array<(value: string) => void> = [];
  let value = "v1";
  return {
    calls,
    set: (next: string) => {
      value = next;
    },
    resolveAll: () => {
      for (const resolve of pending.splice(0)) resolve(value);
    },
    load: (key: string) => {
      calls.push(key);
      return new Promise<string>((resolve) => pending.push(resolve));
    },
  };
}

function setUp(settings = { maxAgeMs: 1_000, maxEntries: 3 }) {
  let now = 0;
  const source = controlledLoad();
  const cache = new FreshCache(source.load, settings, () => now);
  return {
    cache,
    source,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("FreshCache", () => {
  it("loads a key once while fresh, and shares a load in flight", async () => {
    const { cache, source, advance } = setUp();
    const first = cache.get("a");
    const second = cache.get("a");
    source.resolveAll();
    expect(await first).toBe("v1");
    expect(await second).toBe("v1");
    advance(999);
    expect(await cache.get("a")).toBe("v1");
    expect(source.calls).toEqual(["a"]);
  });

  it("loads again once an entry is maxAgeMs old", async () => {
    const { cache, source, advance } = setUp();
    const first = cache.get("a");
    source.resolveAll();
    await first;
    advance(1_000);
    source.set("v2");
    const again = cache.get("a");
    source.resolveAll();
    expect(await again).toBe("v2");
    expect(source.calls).toEqual(["a", "a"]);
  });

  it("peeks at a fresh value only, never loading: not while loading, past maxAgeMs or invalidated", async () => {
    const { cache, source, advance } = setUp();
    expect(cache.peek("a")).toBeUndefined();
    const first = cache.get("a");
    expect(cache.peek("a")).toBeUndefined();
    source.resolveAll();
    await first;
    advance(999);
    expect(cache.peek("a")).toBe("v1");
    advance(1);
    expect(cache.peek("a")).toBeUndefined();
    const again = cache.get("a");
    source.resolveAll();
    await again;
    cache.invalidate("a");
    expect(cache.peek("a")).toBeUndefined();
    expect(source.calls).toEqual(["a", "a"]);
  });

  it("counts an entry's age from when its load started, not when it finished", async () => {
    const { cache, source, advance } = setUp();
    const first = cache.get("a");
    advance(800);
    source.resolveAll();
    await first;
    advance(200);
    const again = cache.get("a");
    source.resolveAll();
    await again;
    expect(source.calls).toEqual(["a", "a"]);
  });

  it("reads afresh after an invalidation", async () => {
    const { cache, source } = setUp();
    const first = cache.get("a");
    source.resolveAll();
    await first;
    cache.invalidate("a");
    source.set("v2");
    const again = cache.get("a");
    source.resolveAll();
    expect(await again).toBe("v2");
  });

  it("never keeps a load that was in flight when the key was invalidated", async () => {
    const resolvers: Array<(value: string) => void> = [];
    const cache = new FreshCache(
      () => new Promise<string>((resolve) => resolvers.push(resolve)),
      { maxAgeMs: 1_000, maxEntries: 10 },
      () => 0,
    );
    const stale = cache.get("a"); // reads the row just before a change commits
    cache.invalidate("a"); // the change is announced
    const fresh = cache.get("a"); // a load of its own, after the change
    expect(resolvers).toHaveLength(2);
    resolvers[1]("after");
    await fresh;
    resolvers[0]("before"); // the older read comes back last
    expect(await stale).toBe("before");
    expect(await cache.get("a")).toBe("after");
    expect(resolvers).toHaveLength(2);
  });

  it("holds at most maxEntries keys, dropping the least recently loaded", async () => {
    const { cache, source } = setUp();
    for (const key of ["a", "b", "c", "d"]) {
      const loading = cache.get(key);
      source.resolveAll();
      await loading;
    }
    expect(cache.size).toBe(3);
    const again = cache.get("a");
    source.resolveAll();
    await again;
    expect(source.calls).toEqual(["a", "b", "c", "d", "a"]);
  });

  it("keeps no failed load, so the next get tries again", async () => {
    let attempts = 0;
    const cache = new FreshCache(
      () => (++attempts === 1 ? Promise.reject(new Error("down")) : Promise.resolve("up")),
      { maxAgeMs: 1_000, maxEntries: 10 },
      () => 0,
    );
    await expect(cache.get("a")).rejects.toThrow("down");
    expect(await cache.get("a")).toBe("up");
  });
});
