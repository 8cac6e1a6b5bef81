import { Argon2PasswordHasher, OWASP_ARGON2ID } from "../../../src/users/password-hasher";

/** Cheap parameters so the suite stays fast; production uses OWASP_ARGON2ID. */
const hasher = new Argon2PasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 1024, timeCost: 1 });
const PASSWORD = "correct horse battery staple";

describe("Argon2PasswordHasher", () => {
  let stored: string;

  beforeAll(async () => {
    stored = await hasher.hash(PASSWORD);
  });

  it("hashes with argon2id under the parameters it was given", () => {
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(stored).not.toContain(PASSWORD);
  });

  it("salts every hash", async () => {
    expect(await hasher.hash(PASSWORD)).not.toBe(stored);
  });

  it("verifies the right password", async () => {
    await expect(hasher.verify(stored, PASSWORD)).resolves.toBe(true);
  });

  it.each(["", "correct horse battery stapl", "Correct horse battery staple", `${PASSWORD} `])(
    "refuses the wrong password %j",
    async (password) => {
      await expect(hasher.verify(stored, password)).resolves.toBe(false);
    },
  );

  it("answers false, without throwing, when there is no stored hash", async () => {
    await expect(hasher.verify(null, PASSWORD)).resolves.toBe(false);
    await expect(hasher.verify(null, "")).resolves.toBe(false);
  });

  it("answers false, without throwing, for a stored value that is not a hash", async () => {
    await expect(hasher.verify("not-a-hash", PASSWORD)).resolves.toBe(false);
    await expect(hasher.verify("", PASSWORD)).resolves.toBe(false);
  });

  it("warms up without throwing", async () => {
    await expect(
      new Argon2PasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 1024, timeCost: 1 }).warmUp(),
    ).resolves.toBeUndefined();
  });

  it("defaults to OWASP's argon2id settings: 19 MiB, two passes, one lane", async () => {
    expect(OWASP_ARGON2ID).toEqual({
      algorithm: 2,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
    const production = await new Argon2PasswordHasher().hash(PASSWORD);
    expect(production).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
