import { useMutation, useQuery } from "@apollo/client/react";
import { END_SESSION, SESSIONS, type Session } from "../graphql/operations";
import { describeError } from "./errors";

const when = (iso: string) => new Date(iso).toLocaleString();

export function SessionsScreen() {
  const { data, loading, error } = useQuery(SESSIONS, { fetchPolicy: "cache-and-network" });
  return (
    <section>
      <h1>Your sessions</h1>
      <p className="hint">
        Every sign-in opens a session. Ending one signs that browser out within a second.
      </p>
      {error && <p className="error">{describeError(error)}</p>}
      {loading && !data && <p className="status">Loading…</p>}
      <table>
        <thead>
          <tr>
            <th>Browser</th>
            <th>Signed in</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.sessions.map((session) => (
            <SessionRow key={session.id} session={session} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SessionRow({ session }: { session: Session }) {
  const [endSession, { loading, error }] = useMutation(END_SESSION, {
    update(cache, { data }) {
      if (!data?.revokeSession) return;
      cache.evict({ id: cache.identify({ __typename: "Session", id: session.id }) });
      cache.gc();
    },
  });
  return (
    <tr>
      <td className="agent" title={session.userAgent ?? undefined}>
        {session.current && <strong className="badge">this browser</strong>}
        {session.userAgent ?? "unknown"}
      </td>
      <td>{when(session.createdAt)}</td>
      <td>{when(session.lastUsedAt)}</td>
      <td>
        {/* Ending the current session is what "Sign out" does. */}
        {!session.current && (
          <button
            type="button"
            className="secondary"
            disabled={loading}
            onClick={() => void endSession({ variables: { id: session.id } })}
          >
            End
          </button>
        )}
        {error && <p className="error">{describeError(error)}</p>}
      </td>
    </tr>
  );
}
