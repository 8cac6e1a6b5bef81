import { randomBytes } from "node:crypto";
import { hash, verify, type Options } from "@node-rs/argon2";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Checks a password against a stored hash. With no stored hash (an unknown email) it still
   * verifies against a dummy hash, so both cases cost the same time and give the same answer.
   */
  verify(storedHash: string | null, password: string): Promise<boolean>;
}

/** OWASP's first argon2id configuration: 19 MiB, two passes, one lane. */
export const OWASP_ARGON2ID: Options = {
  algorithm: 2, // Algorithm.Argon2id; a const enum, which isolated-module compilers cannot inline
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/** argon2id through @node-rs/argon2, which hashes on libuv's thread pool, off the event loop. */
export class Argon2PasswordHasher implements PasswordHasher {
  private dummyHash?: Promise<string>;

  constructor(private readonly options: Options = OWASP_ARGON2ID) {}

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  async verify(storedHash: string | null, password: string): Promise<boolean> {
    if (storedHash === null) {
      this.dummyHash ??= hash(randomBytes(32).toString("base64url"), this.options);
      await verify(await this.dummyHash, password).catch(() => false);
      return false;
    }
    try {
      return await verify(storedHash, password);
    } catch {
      return false;
    }
  }

  /** Computes the dummy hash ahead of the first unknown-email login, so that one is not slower. */
  async warmUp(): Promise<void> {
    await this.verify(null, "warm-up");
  }
}
