import type { HTTPGraphQLHead } from "@apollo/server";
import type { GraphQLError } from "graphql";

interface HttpExtension {
  readonly status?: number;
  readonly headers?: ReadonlyMap<string, string>;
}

/**
 * The refusal of one of a request's operations, held for the whole HTTP request. Apollo runs
 * the operations of a batch side by side on one shared response head, where the last status set
 * wins: another operation's 400 or 503 could otherwise hide a 429 (or its Retry-After) that a
 * client must see to back off. Every operation of the request applies the refusal to the head
 * as it finishes, so the last one to finish leaves it there.
 */
export class RequestRefusal {
  private status?: number;
  private headers = new Map<string, string>();

  /** Keeps the most severe refusal (the higher status; the later Retry-After on a tie). */
  record(error: GraphQLError): void {
    const http = error.extensions.http as HttpExtension | undefined;
    if (!http?.status) return;
    const sameStatus = http.status === this.status;
    const laterRetry =
      Number(http.headers?.get("retry-after") ?? 0) > Number(this.headers.get("retry-after") ?? 0);
    if (this.status === undefined || http.status > this.status || (sameStatus && laterRetry)) {
      this.status = http.status;
      this.headers = new Map(http.headers ?? []);
    }
  }

  applyTo(head: HTTPGraphQLHead): void {
    if (this.status === undefined) return;
    head.status = this.status;
    for (const [name, value] of this.headers) head.headers.set(name, value);
  }
}
