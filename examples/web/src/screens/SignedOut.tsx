import { useMutation } from "@apollo/client/react";
import { useState, useSyncExternalStore, type FormEvent } from "react";
import { accessTokenStore } from "../auth/access-token";
import { sessionEndStore } from "../auth/session-end";
import { SIGN_IN, SIGN_UP } from "../graphql/operations";
import { describeError } from "./errors";

function startSession(accessToken: string) {
  window.location.hash = "#/tasks";
  sessionEndStore.set(null);
  accessTokenStore.set(accessToken);
}

export function SignedOut() {
  const [signingUp, setSigningUp] = useState(false);
  // Mutation errors land in these states (the promises the mutate functions return are safe to
  // drop); success continues in onCompleted.
  const [signIn, signInState] = useMutation(SIGN_IN, {
    onCompleted: (data) => startSession(data.login.accessToken),
  });
  const [signUp, signUpState] = useMutation(SIGN_UP, {
    onCompleted: (data) => startSession(data.register.accessToken),
  });
  const { loading, error } = signingUp ? signUpState : signInState;
  const ended = useSyncExternalStore(sessionEndStore.subscribe, sessionEndStore.get) === "ended";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    if (signingUp) {
      const displayName = String(form.get("displayName") ?? "").trim() || undefined;
      void signUp({ variables: { input: { email, password, displayName } } });
    } else {
      void signIn({ variables: { input: { email, password } } });
    }
  }

  return (
    <main className="card narrow">
      <h1>{signingUp ? "Create an account" : "Sign in"}</h1>
      {ended && (
        <p className="notice" role="status">
          Your session has ended: you were signed out on another device, or it expired. Sign in
          again to carry on; what you were typing is kept.
        </p>
      )}
      <form onSubmit={submit}>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        {signingUp && (
          <label>
            Display name (optional)
            <input name="displayName" autoComplete="nickname" />
          </label>
        )}
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={signingUp ? "new-password" : "current-password"}
            minLength={8}
            required
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {describeError(error)}
          </p>
        )}
        <button type="submit" disabled={loading}>
          {signingUp ? "Sign up" : "Sign in"}
        </button>
      </form>
      <p className="switch">
        {signingUp ? "Have an account? " : "New here? "}
        <button type="button" className="link" onClick={() => setSigningUp(!signingUp)}>
          {signingUp ? "Sign in" : "Create an account"}
        </button>
      </p>
    </main>
  );
}
