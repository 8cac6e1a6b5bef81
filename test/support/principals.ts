import { randomUUID } from "node:crypto";
import type { Principal } from "../../src/core/principal";
import { Role } from "../../src/core/role";

/** Two fixed, valid UUIDs for tests that need ids that compare as different users or sessions. */
export const USER_ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
export const SESSION_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/** A verified caller of a session, as the token service would build one. */
export function principalOf(
  sessionId: string,
  roles: readonly Role[] = [Role.USER],
  userId = "u-1",
): Principal {
  return {
    userId,
    sessionId,
    tokenId: randomUUID(),
    roles,
    scope: null,
    issuedAt: 0,
    expiresAt: 0,
  };
}
