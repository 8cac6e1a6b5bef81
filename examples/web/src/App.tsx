import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import { accessTokenStore } from "./auth/access-token";
import { isApiUnreachable } from "./auth/errors";
import { refreshSession } from "./auth/refresh-session";
import { ApiUnreachable } from "./screens/ApiUnreachable";
import { SignedIn } from "./screens/SignedIn";
import { SignedOut } from "./screens/SignedOut";

type Start = "restoring" | "unreachable" | "ready";

export function App() {
  const token = useSyncExternalStore(accessTokenStore.subscribe, accessTokenStore.get);
  const [start, setStart] = useState<Start>("restoring");

  // Nothing survives a reload but the HttpOnly refresh cookie: trade it for an access token. With
  // no cookie (or an ended session) this fails quietly and the sign-in form shows. With no answer
  // from the API the session may still be alive, so the app says so instead of asking to sign in.
  const restore = useCallback(() => {
    setStart("restoring");
    refreshSession().then(
      () => setStart("ready"),
      (error: unknown) => setStart(isApiUnreachable(error) ? "unreachable" : "ready"),
    );
  }, []);
  useEffect(restore, [restore]);

  if (start === "restoring") return <p className="status">Restoring your session…</p>;
  if (start === "unreachable") return <ApiUnreachable onRetry={restore} />;
  return token ? <SignedIn token={token} /> : <SignedOut />;
}
