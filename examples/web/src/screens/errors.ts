import { CombinedGraphQLErrors } from "@apollo/client/errors";
import { isApiUnreachable } from "../auth/errors";

export const API_UNREACHABLE =
  "Can't reach the API: it may be down or restarting. Try again in a moment.";

/** What to tell the person about a failed operation: the API's message, never a stack. */
export function describeError(error: unknown): string {
  // Before the API's own words: a proxy's 502 page is not an answer from the API.
  if (isApiUnreachable(error)) return API_UNREACHABLE;
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((e) => e.message).join(" ");
  return "Something went wrong. Please try again.";
}
