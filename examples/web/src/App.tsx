import { useEffect, useState, useSyncExternalStore } from "react";
import { accessTokenStore } from "./auth/access-token";
import { refreshSession } from "./auth/refresh-session";
import { SignedIn } from "./screens/SignedIn";
import { SignedOut } from "./screens/SignedOut";

export function App() {
  const token = useSyncExternalStore(accessTokenStore.subscribe, accessTokenStore.get);
  const [restoring, setRestoring] = useState(true);

  // Nothing survives a reload but the HttpOnly refresh cookie: trade it for an access token. With
  // no cookie (or an ended session) this fails quietly and the sign-in form shows.
  useEffect(() => {
    refreshSession()
      .catch(() => undefined)
      .finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p className="status">Restoring your session…</p>;
  return token ? <SignedIn token={token} /> : <SignedOut />;
}
