import { HeaderMap } from "@apollo/server";
import { RequestRefusal } from "../../../src/context/request-refusal";
import {
  BadUserInputError,
  InvalidTokenError,
  ServiceUnavailableError,
  TooManyRequestsError,
} from "../../../src/errors/app-errors";

const head = (status?: number, headers: Array<[string, string]> = []) => ({
  status,
  headers: new HeaderMap(headers),
});

describe("RequestRefusal", () => {
  it("puts a 429 and its Retry-After back on a head another operation changed later", () => {
    const refusal = new RequestRefusal();
    refusal.record(new TooManyRequestsError(120));
    // What Apollo leaves when a batched operation finishing after the refused one failed with 503.
    const shared = head(503, [["retry-after", "1"]]);
    refusal.applyTo(shared);
    expect(shared.status).toBe(429);
    expect(shared.headers.get("retry-after")).toBe("120");
  });

  it("keeps the most severe refusal, and the longest wait for one status", () => {
    const refusal = new RequestRefusal();
    refusal.record(new TooManyRequestsError(30));
    refusal.record(new TooManyRequestsError(300));
    refusal.record(new TooManyRequestsError(60));
    const shared = head(200);
    refusal.applyTo(shared);
    expect(shared.headers.get("retry-after")).toBe("300");

    refusal.record(new ServiceUnavailableError());
    refusal.record(new TooManyRequestsError(900));
    refusal.applyTo(shared);
    expect(shared.status).toBe(503);
  });

  it("leaves the head alone without a refusal, or for errors without a status", () => {
    const refusal = new RequestRefusal();
    refusal.record(new BadUserInputError("no", "email"));
    const shared = head(undefined, [["x-other", "1"]]);
    refusal.applyTo(shared);
    expect(shared.status).toBeUndefined();
    expect([...shared.headers]).toEqual([["x-other", "1"]]);
  });

  it("copies the refusal's headers", () => {
    const refusal = new RequestRefusal();
    refusal.record(new InvalidTokenError("signature"));
    const shared = head(200);
    refusal.applyTo(shared);
    expect(shared.status).toBe(401);
    expect(shared.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });
});
