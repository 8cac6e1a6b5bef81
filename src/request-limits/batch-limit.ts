import type { preHandlerHookHandler } from "fastify";
import { ErrorCode } from "../errors/error-code";
import { httpErrorBody } from "../errors/http-error-body";

/**
 * Refuses a batched request (a JSON array of operations) longer than the limit before Apollo
 * parses, validates or runs any of them: each operation would otherwise cost its own work.
 */
export function batchLimit(maxOperations: number): preHandlerHookHandler {
  return (request, reply, done) => {
    const body: unknown = request.body;
    if (Array.isArray(body) && body.length > maxOperations) {
      void reply
        .code(400)
        .send(
          httpErrorBody(
            ErrorCode.BatchTooLarge,
            `A batch may hold at most ${maxOperations} operations.`,
          ),
        );
      return;
    }
    done();
  };
}
