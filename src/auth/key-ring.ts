import type { JsonWebKey } from "node:crypto";
import { type Clock, epochSeconds, systemClock } from "../core/clock";
import type { JwtKeys, SigningKey, VerificationKey } from "../config/config";

export type { SigningKey, VerificationKey } from "../config/config";

/**
 * The keys this server signs and verifies with, looked up by `kid` only: the kid is compared
 * with the configured ids in memory and never used as a path, URL or query. Each key carries the
 * single algorithm it may be used with, which is how algorithm confusion is ruled out. Besides
 * the current key, keys retired by a rotation still verify (never sign) until removed or past
 * their `notAfter`. The keys arrive parsed and checked by the config (pairs, types, sizes, one
 * key per kid), so the ring only assembles and looks up.
 */
export class KeyRing {
  readonly signing: SigningKey;
  private readonly byKid: ReadonlyMap<string, VerificationKey>;

  constructor(
    keys: JwtKeys,
    private readonly clock: Clock = systemClock,
  ) {
    this.signing = keys.signing;
    this.byKid = new Map(keys.verification.map((key) => [key.kid, key]));
  }

  static fromConfig(jwt: { readonly keys: JwtKeys }, clock: Clock = systemClock): KeyRing {
    return new KeyRing(jwt.keys, clock);
  }

  find(kid: string): VerificationKey | undefined {
    const key = this.byKid.get(kid);
    return key && this.isLive(key) ? key : undefined;
  }

  /** Public verification keys only: never HMAC secrets, never private parts. */
  jwks(): { keys: JsonWebKey[] } {
    const keys: JsonWebKey[] = [];
    for (const key of this.byKid.values()) {
      if (key.publicJwk && this.isLive(key)) {
        keys.push({ ...key.publicJwk, kid: key.kid, alg: key.algorithm, use: "sig" });
      }
    }
    return { keys };
  }

  private isLive(key: VerificationKey): boolean {
    return key.notAfter === undefined || epochSeconds(this.clock.now()) <= key.notAfter;
  }
}
