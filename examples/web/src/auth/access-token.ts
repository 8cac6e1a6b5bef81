export type Role = "USER" | "EDITOR" | "ADMIN";

export interface AccessToken {
  /** The JWT as sent in `Authorization: Bearer ...`. */
  readonly jwt: string;
  readonly userId: string;
  readonly roles: readonly Role[];
}

type Listener = () => void;

// The access token lives in this module variable and nowhere else: never in localStorage or
// sessionStorage, where any script that gets into the page could read it, and where it would
// outlive the tab. A reload loses it on purpose; the app then asks for a new one with the HttpOnly
// refresh cookie, which no script can read at all.
let current: AccessToken | null = null;
const listeners = new Set<Listener>();

/** The in-memory access token, observable by React through `useSyncExternalStore`. */
export const accessTokenStore = {
  get: (): AccessToken | null => current,

  set(jwt: string | null): void {
    current = jwt === null ? null : decode(jwt);
    for (const listener of listeners) listener();
  },

  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

interface Claims {
  sub?: unknown;
  roles?: unknown;
}

/**
 * Reads the claims without verifying the signature. That is enough for deciding what the UI
 * shows (the admin view, for instance); it is never a security decision: the API verifies the
 * token on every request and refuses whatever its roles do not allow.
 */
function decode(jwt: string): AccessToken {
  const payload = jwt.split(".")[1] ?? "";
  const bytes = Uint8Array.from(atob(payload.replace(/-/g, "+").replace(/_/g, "/")), (char) =>
    char.charCodeAt(0),
  );
  const claims = JSON.parse(new TextDecoder().decode(bytes)) as Claims;
  return {
    jwt,
    userId: typeof claims.sub === "string" ? claims.sub : "",
    roles: Array.isArray(claims.roles) ? (claims.roles as Role[]) : [],
  };
}
