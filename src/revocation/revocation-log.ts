import type { EntityManager } from "typeorm";
import type { Role } from "../core/role";
import type { RevocationNotice } from "./revocation-notice";

/**
 * The write side: revocations are recorded in the revoking transaction (so a revocation and the
 * change it follows commit together or not at all), then announced once committed.
 */
export interface RevocationLog {
  /** Sessions ended, in the caller's transaction; call it last there. */
  recordSessions(manager: EntityManager, sessionIds: readonly string[]): Promise<void>;
  /** A user's new roles, in the caller's transaction; call it last there. */
  recordRoles(manager: EntityManager, userId: string, roles: readonly Role[]): Promise<void>;
  /** After the commit: effective on this instance at once, and announced to the others. */
  committed(notice: RevocationNotice): void;
  /** Deletes what no access token can need any more; returns how many. */
  purgeExpired(): Promise<number>;
}
