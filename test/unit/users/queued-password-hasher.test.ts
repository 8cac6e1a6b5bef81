import { ServiceUnavailableError } from "../../../src/errors/app-errors";
import { Argon2PasswordHasher, OWASP_ARGON2ID } from "../../../src/users/password-hasher";
import { QueuedPasswordHasher } from "../../../src/users/queued-password-hasher";
import { ControlledHasher, settle } from "../../support/controlled-hasher";

describe("QueuedPasswordHasher", () => {
  it("runs hashes and verifications, unknown emails' included, in one bounded queue", async () => {
    const inner = new ControlledHasher();
    const hasher = new QueuedPasswordHasher(inner, { concurrency: 2, queue: 2 });
    const accepted = [
      hasher.hash("register"),
      hasher.verify("hashed:login", "login"),
      hasher.verify(null, "unknown email"),
      hasher.hash("change password"),
    ];
    await settle();
    expect(hasher.load).toEqual({ running: 2, queued: 2 });

    const refused = hasher.verify(null, "one too many");
    await expect(refused).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(refused).rejects.toMatchObject({
      extensions: {
        code: "SERVICE_UNAVAILABLE",
        http: { status: 503, headers: new Map([["retry-after", "1"]]) },
      },
    });

    inner.finishAll();
    await expect(Promise.all(accepted)).resolves.toEqual([
      "hashed:register",
      true,
      false,
      "hashed:change password",
    ]);
    expect(inner.maxActive).toBe(2);
    expect(inner.started).toEqual([
      "hash:register",
      "verify:login",
      "verify:unknown email",
      "hash:change password",
    ]);
  });

  it("passes an inner failure on as it is, and frees its slot", async () => {
    const inner = new ControlledHasher();
    const hasher = new QueuedPasswordHasher(inner, { concurrency: 1, queue: 0 });
    const failing = hasher.hash("a");
    await settle();
    inner.failNext(new Error("argon2 failed"));
    await expect(failing).rejects.toThrow("argon2 failed");
    inner.finishAll();
    await expect(hasher.hash("b")).resolves.toBe("hashed:b");
  });

  it("warms the argon2 hasher up through the queue, and a hasher without warm-up not at all", async () => {
    const argon2 = new Argon2PasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 1024, timeCost: 1 });
    const warmUp = jest.spyOn(argon2, "warmUp");
    await new QueuedPasswordHasher(argon2, { concurrency: 1, queue: 0 }).warmUp();
    expect(warmUp).toHaveBeenCalledTimes(1);
    await expect(
      new QueuedPasswordHasher(new ControlledHasher(), { concurrency: 1, queue: 0 }).warmUp(),
    ).resolves.toBeUndefined();
  });
});
