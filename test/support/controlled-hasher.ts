import type { PasswordHasher } from "../../src/users/password-hasher";

interface Pending {
  readonly kind: "hash" | "verify";
  readonly password: string;
  readonly finish: (outcome: { value: unknown } | { error: Error }) => void;
}

/**
 * A password hasher whose operations end only when the test says so: it records what started, in
 * order, and how many ran at most at once. Hashes are `hashed:<password>`; verify compares them.
 */
export class ControlledHasher implements PasswordHasher {
  readonly started: string[] = [];
  private readonly pending: Pending[] = [];
  private active = 0;
  private autoFinish = false;
  maxActive = 0;

  get running(): number {
    return this.active;
  }

  hash(password: string): Promise<string> {
    return this.start("hash", password) as Promise<string>;
  }

  verify(storedHash: string | null, password: string): Promise<boolean> {
    return this.start("verify", password).then(() => storedHash === `hashed:${password}`);
  }

  /** Ends the oldest running operation: a hash yields its hash, a verify its comparison. */
  finishNext(): void {
    const next = this.pending.shift();
    if (!next) throw new Error("nothing is running");
    next.finish({ value: `hashed:${next.password}` });
  }

  /** Ends the oldest running operation with an error. */
  failNext(error = new Error("argon2 failed")): void {
    const next = this.pending.shift();
    if (!next) throw new Error("nothing is running");
    next.finish({ error });
  }

  /** Lets every running operation, and every one started from now on, end at once. */
  finishAll(): void {
    this.autoFinish = true;
    while (this.pending.length > 0) this.finishNext();
  }

  private start(kind: Pending["kind"], password: string): Promise<unknown> {
    this.started.push(`${kind}:${password}`);
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    return new Promise((resolve, reject) => {
      const finish = (outcome: { value: unknown } | { error: Error }) => {
        this.active -= 1;
        if ("error" in outcome) reject(outcome.error);
        else resolve(outcome.value);
      };
      if (this.autoFinish) finish({ value: `hashed:${password}` });
      else this.pending.push({ kind, password, finish });
    });
  }
}

/** Lets pending promise callbacks (and the queue's hand-overs) run. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 5; round += 1) await new Promise((resolve) => setImmediate(resolve));
}
