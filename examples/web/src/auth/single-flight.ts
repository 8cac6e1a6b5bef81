/**
 * Wraps an async task so that calls made while it runs share its one promise instead of starting
 * it again. Ten requests that find their access token expired at the same moment must cause one
 * refresh: the refresh token is single-use, and a burst of refreshes would only rotate it ten
 * times (or, past the API's reuse grace period, look like a stolen token and end the session).
 */
export function singleFlight<T>(task: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= task().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}
