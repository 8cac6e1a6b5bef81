import type { Role } from "./role";

/** Who a verified access token speaks for. Built only by the token service. */
export interface Principal {
  readonly userId: string;
  readonly sessionId: string;
  readonly tokenId: string;
  readonly roles: readonly Role[];
  /** `iat` and `exp`, in epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}
