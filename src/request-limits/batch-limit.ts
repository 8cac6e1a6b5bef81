import type { RequestHandler } from "express";
import { ErrorCode } from "../errors/error-code";
import { httpErrorBody } from "../errors/http-error-body";

/**
 * Refuses a batched request (a JSON array of operations) longer than the limit before Apollo
 * parses, validates or runs any of them: each operation would otherwise cost its own work.
 */
export function batchLimit(maxOperations: number): RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    if (Array.isArray(body) && body.length > maxOperations) {
      res
        .status(400)
        .json(
          httpErrorBody(
            ErrorCode.BatchTooLarge,
            `A batch may hold at most ${maxOperations} operations.`,
          ),
        );
      return;
    }
    next();
  };
}
