import { useMutation, useQuery } from "@apollo/client/react";
import { END_SESSION, SESSIONS, type Session } from "../graphql/operations";
import { deviceName } from "../sessions/device-name";
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
      <table className="stack">
        <thead>
          <tr>
            <th>Device</th>
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
      {/* The raw user agent stays one hover away, for when two devices look alike. */}
      <td className="device" title={session.userAgent ?? undefined}>
        <span>{deviceName(session.userAgent)}</span>
        {session.current && <strong className="badge">this browser</strong>}
      </td>
      <td data-label="Signed in">{when(session.createdAt)}</td>
      <td data-label="Last used">{when(session.lastUsedAt)}</td>
      <td className="actions">
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
