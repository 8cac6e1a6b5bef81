import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { secretWeakness } from "./key-material";

const DEV_SECRET_FILE = "jwt-secret";

/** The HMAC secret of a development install, and how to keep it for the next start. */
export interface DevelopmentSecret {
  readonly secret: Buffer;
  /** The file it is kept in. */
  readonly file: string;
  /** True when this start makes the secret (none was kept, or the kept one was too weak). */
  readonly created: boolean;
  /** Writes a new secret (mode 0600, in a 0700 directory), or tightens a stored one to 0600. */
  keep(): void;
}

/**
 * The secret stored under the data directory when it is strong enough, or a new one. Nothing is
 * written until `keep()`, which loadConfig calls only once everything else is valid, so a failed
 * start leaves nothing behind. Production never comes here.
 */
export function developmentSecret(dataDir: string): DevelopmentSecret {
  const file = resolve(dataDir, DEV_SECRET_FILE);
  if (existsSync(file)) {
    const stored = Buffer.from(readFileSync(file, "utf8").trim(), "base64url");
    if (!secretWeakness(stored)) {
      return { secret: stored, file, created: false, keep: () => chmodSync(file, 0o600) };
    }
  }
  const secret = randomBytes(48);
  return {
    secret,
    file,
    created: true,
    keep() {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, secret.toString("base64url") + "\n", { mode: 0o600 });
      chmodSync(file, 0o600);
    },
  };
}
