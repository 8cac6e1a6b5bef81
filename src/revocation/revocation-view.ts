import type { Principal } from "../core/principal";
import type { RevocationNotice } from "./revocation-notice";

/**
 * The read side: answers "is this access token still honoured, and with which roles?" from
 * memory, so no request pays a database round trip for it, while revocations made on any instance
 * reach every other one within `maxStalenessMs`.
 */
export interface RevocationView {
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
}

/** Where revocations this instance has just committed take effect at once, before any read. */
export interface LocalRevocations {
  applyLocally(notice: RevocationNotice): void;
}

/** Where revocations other instances announce (through the fan-out) are applied. */
export interface PeerRevocations {
  applyFromPeer(notice: RevocationNotice): void;
}
