/** Shown when the API does not answer at start-up: neither signed in nor signed out is known. */
export function ApiUnreachable({ onRetry }: { onRetry: () => void }) {
  return (
    <main className="card narrow" role="alert">
      <h1>Can't reach the API</h1>
      <p>
        This page loaded, but the API behind <code>/graphql</code> does not answer: it may be
        stopped or restarting, or the network is down. Your session, if you had one, is not lost.
      </p>
      <p className="hint">
        Running it yourself? Start it with <code>npm start</code> in the repository, then try again.
      </p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </main>
  );
}
