import { useApolloClient, useQuery } from "@apollo/client/react";
import { useEffect, useState } from "react";
import type { AccessToken } from "../auth/access-token";
import { forgetSession } from "../apollo/client";
import { ME, SIGN_OUT } from "../graphql/operations";
import { AdminScreen } from "./AdminScreen";
import { SessionsScreen } from "./SessionsScreen";
import { TasksScreen } from "./TasksScreen";

type Screen = "tasks" | "sessions" | "admin";

function currentScreen(): Screen {
  const name = window.location.hash.replace(/^#\/?/, "");
  return name === "sessions" || name === "admin" ? name : "tasks";
}

/** The screen named by the URL's hash, so a reload stays on it. */
function useScreen(): Screen {
  const [screen, setScreen] = useState(currentScreen);
  useEffect(() => {
    const onHashChange = () => setScreen(currentScreen());
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);
  return screen;
}

export function SignedIn({ token }: { token: AccessToken }) {
  const client = useApolloClient();
  const { data } = useQuery(ME);
  const requested = useScreen();
  // Only a convenience: the API refuses `users` and `setUserRoles` to anyone whose token does not
  // carry ADMIN, whatever this page shows.
  const isAdmin = token.roles.includes("ADMIN");
  const screen = requested === "admin" && !isAdmin ? "tasks" : requested;

  async function signOut(everywhere: boolean) {
    // Revokes this session (or all of them) on the API, which also clears the refresh cookie. The
    // token is forgotten here whatever the answer: signing out must never leave anyone signed in.
    await client.mutate({ mutation: SIGN_OUT, variables: { everywhere } }).catch(() => undefined);
    forgetSession("signed-out");
  }

  const tab = (name: Screen, label: string) => (
    <a href={`#/${name}`} aria-current={screen === name ? "page" : undefined}>
      {label}
    </a>
  );

  return (
    <>
      <header className="bar">
        <nav>
          {tab("tasks", "Tasks")}
          {tab("sessions", "Sessions")}
          {isAdmin && tab("admin", "Admin")}
        </nav>
        <span className="who">{data?.me.displayName ?? data?.me.email}</span>
        <div className="account">
          <button type="button" onClick={() => void signOut(false)}>
            Sign out
          </button>
          <button type="button" className="secondary" onClick={() => void signOut(true)}>
            Sign out everywhere
          </button>
        </div>
      </header>
      <main className="card">
        {screen === "tasks" && <TasksScreen userId={token.userId} />}
        {screen === "sessions" && <SessionsScreen />}
        {screen === "admin" && <AdminScreen />}
      </main>
    </>
  );
}
