import type { Role } from "../core/role";

/**
 * A revocation as the services report it once committed, as the view applies it, and as the
 * fan-out relays it between instances: ended sessions, or a user's new roles (roles their older
 * access tokens claim beyond these are not honoured).
 */
export interface RevocationNotice {
  readonly sessionIds?: readonly string[];
  readonly roles?: { readonly userId: string; readonly roles: readonly Role[] };
}

export function isEmptyNotice(notice: RevocationNotice): boolean {
  return !notice.sessionIds?.length && !notice.roles;
}
