import type { Role } from "../core/role";
import type { Principal } from "../core/principal";

/**
 * Answers "is this access token still honoured, and with which roles?" from memory, so no
 * request pays a database round trip for it, while revocations made on any instance reach
 * every other one within `maxStalenessMs`.
 */
export interface RevocationStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Resolves once `check` may be asked: at once while the view is fresh or cannot be refreshed,
   * or, when the view went past its bound only because the event loop was busy, after one fresh
   * read (bounded). Never rejects and admits nothing: `check` decides.
   */
  awaitFreshView(): Promise<void>;
  /**
   * The principal with its effective roles, or null when its session is revoked. Throws
   * ServiceUnavailableError when the view could not be refreshed in time (fail closed).
   */
  check(principal: Principal): Principal | null;
  /** Makes revocations written by `writeSessionRevocations` take effect here at once. */
  applyLocally(revocation: {
    sessionIds?: readonly string[];
    roles?: { userId: string; roles: readonly Role[] };
  }): void;
}
