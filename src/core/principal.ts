import type { Role } from "./role";

/** Who a verified access token speaks for. Built only by the token service. */
export interface Principal {
  readonly userId: string;
  readonly sessionId: string;
  readonly tokenId: string;
  readonly roles: readonly Role[];
  /**
   * The token's `scope` claim (RFC 9068 §2.2.3) as permission names, or null when it has none.
   * A scope narrows what the roles grant and never widens it (authorization/permissions.ts).
   */
  readonly scope: readonly string[] | null;
  /** `iat` and `exp`, in epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}
