import { BoundedConcurrency, QueueFullError } from "../../../src/core/bounded-concurrency";
import { ControlledHasher, settle } from "../../support/controlled-hasher";

describe("BoundedConcurrency", () => {
  it("never runs more than its concurrency at once", async () => {
    const hasher = new ControlledHasher();
    const slots = new BoundedConcurrency(2, 10);
    const results = Array.from({ length: 8 }, (_, index) =>
      slots.run(() => hasher.hash(`p${index}`)),
    );
    await settle();
    expect(hasher.running).toBe(2);
    expect(slots.queued).toBe(6);
    for (let done = 0; done < 8; done += 1) {
      hasher.finishNext();
      await settle();
      expect(hasher.running).toBeLessThanOrEqual(2);
    }
    await expect(Promise.all(results)).resolves.toHaveLength(8);
    expect(hasher.maxActive).toBe(2);
    expect(slots.running).toBe(0);
  });

  it("refuses the task after concurrency + queueLimit at once, without running it", async () => {
    const hasher = new ControlledHasher();
    const slots = new BoundedConcurrency(2, 3);
    const accepted = Array.from({ length: 5 }, (_, index) =>
      slots.run(() => hasher.hash(`p${index}`)),
    );
    const refused = slots.run(() => hasher.hash("one too many"));
    await expect(refused).rejects.toBeInstanceOf(QueueFullError);
    await expect(refused).rejects.toThrow("2 running and 3 waiting: refused");
    await settle();
    expect(hasher.started).not.toContain("hash:one too many");
    hasher.finishAll();
    await expect(Promise.all(accepted)).resolves.toHaveLength(5);
  });

  it("takes a task again once the waiting list has room", async () => {
    const hasher = new ControlledHasher();
    const slots = new BoundedConcurrency(1, 1);
    const first = slots.run(() => hasher.hash("a"));
    const second = slots.run(() => hasher.hash("b"));
    await expect(slots.run(() => hasher.hash("c"))).rejects.toBeInstanceOf(QueueFullError);
    await settle();
    hasher.finishNext();
    await settle();
    const third = slots.run(() => hasher.hash("c"));
    hasher.finishAll();
    await expect(Promise.all([first, second, third])).resolves.toEqual([
      "hashed:a",
      "hashed:b",
      "hashed:c",
    ]);
  });

  it("starts waiting tasks first come, first served, even against newcomers", async () => {
    const hasher = new ControlledHasher();
    const slots = new BoundedConcurrency(1, 10);
    const results = ["a", "b", "c", "d"].map((name) => slots.run(() => hasher.hash(name)));
    await settle();
    hasher.finishNext();
    // Arrives while the slot is being handed to "b": it must not overtake b, c or d.
    results.push(slots.run(() => hasher.hash("late")));
    hasher.finishAll();
    await Promise.all(results);
    expect(hasher.started).toEqual(["hash:a", "hash:b", "hash:c", "hash:d", "hash:late"]);
  });

  it("frees the slot of a task that fails, and passes its error on", async () => {
    const hasher = new ControlledHasher();
    const slots = new BoundedConcurrency(1, 1);
    const failing = slots.run(() => hasher.hash("a"));
    const next = slots.run(() => hasher.hash("b"));
    await settle();
    hasher.failNext(new Error("out of memory"));
    await expect(failing).rejects.toThrow("out of memory");
    await settle();
    expect(hasher.running).toBe(1);
    hasher.finishNext();
    await expect(next).resolves.toBe("hashed:b");
    expect(slots.running).toBe(0);
  });

  it("frees the slot of a task that throws before returning a promise", async () => {
    const slots = new BoundedConcurrency(1, 0);
    await expect(
      slots.run(() => {
        throw new Error("synchronous");
      }),
    ).rejects.toThrow("synchronous");
    await expect(slots.run(() => Promise.resolve("ok"))).resolves.toBe("ok");
  });

  it.each([
    [0, 1],
    [1.5, 1],
    [1, -1],
  ])("refuses concurrency %p with queueLimit %p", (concurrency, queueLimit) => {
    expect(() => new BoundedConcurrency(concurrency, queueLimit)).toThrow(RangeError);
  });
});
