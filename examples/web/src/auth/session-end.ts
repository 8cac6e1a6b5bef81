type Listener = () => void;

/**
 * Why the last session ended, for the sign-in screen to say so: `signed-out` when the person
 * chose to, `ended` when the API refused to renew it (signed out on another device, ended from
 * the Sessions screen elsewhere, or past its lifetime). Null before any session, and again once
 * the person signs in.
 */
export type SessionEnd = "signed-out" | "ended" | null;

let current: SessionEnd = null;
const listeners = new Set<Listener>();

export const sessionEndStore = {
  get: (): SessionEnd => current,
  set(next: SessionEnd): void {
    current = next;
    for (const listener of listeners) listener();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
