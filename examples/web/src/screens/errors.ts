import { CombinedGraphQLErrors } from "@apollo/client/errors";

/** What to tell the person about a failed operation: the API's message, never a stack. */
export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((e) => e.message).join(" ");
  return "Something went wrong. Please try again.";
}
