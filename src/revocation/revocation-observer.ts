/**
 * Told of what the view learns, wherever it came from (the log, another instance, this one), so
 * that what other parts keep in memory about users and sessions changes within the same bound.
 */
export interface RevocationObserver {
  sessionsEnded(sessionIds: readonly string[]): void;
  rolesChanged(userId: string): void;
}
