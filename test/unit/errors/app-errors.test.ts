import {
  BadUserInputError,
  ForbiddenError,
  InvalidTokenError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthenticatedError,
} from "../../../src/errors/app-errors";

const headersOf = (error: { extensions: Record<string, unknown> }) =>
  (error.extensions.http as { headers: Map<string, string> }).headers;

describe("app errors", () => {
  it.each([
    [
      new UnauthenticatedError(),
      "UnauthenticatedError",
      "Authentication required.",
      "UNAUTHENTICATED",
    ],
    [new ForbiddenError(), "ForbiddenError", "You are not allowed to do this.", "FORBIDDEN"],
    [new NotFoundError(), "NotFoundError", "Not found.", "NOT_FOUND"],
  ])("%s is named %s with its default message and code", (error, name, message, code) => {
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
    expect(error.extensions).toEqual({ code });
  });

  it("UnauthenticatedError takes another message, for bad credentials", () => {
    const error = new UnauthenticatedError("Invalid email or password.");
    expect([error.message, error.extensions.code]).toEqual([
      "Invalid email or password.",
      "UNAUTHENTICATED",
    ]);
  });

  it("InvalidTokenError asks for HTTP 401 with WWW-Authenticate invalid_token", () => {
    const error = new InvalidTokenError("signature");
    expect(error.message).toBe("The access token is invalid.");
    expect(error.extensions).toEqual({
      code: "UNAUTHENTICATED",
      http: {
        status: 401,
        headers: new Map([["www-authenticate", 'Bearer error="invalid_token"']]),
      },
    });
  });

  it("InvalidTokenError for an expired token says so and carries reason TOKEN_EXPIRED", () => {
    const error = new InvalidTokenError("expired");
    expect(error.message).toBe("The access token has expired.");
    expect(error.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" });
    expect((error.extensions.http as { status: number }).status).toBe(401);
  });

  it("BadUserInputError names the offending field when given one", () => {
    expect(new BadUserInputError("Invalid id.", "taskId").extensions).toEqual({
      code: "BAD_USER_INPUT",
      field: "taskId",
    });
    expect(new BadUserInputError("Title is required.").extensions).toEqual({
      code: "BAD_USER_INPUT",
    });
  });

  it.each([
    [0, "1"],
    [0.2, "1"],
    [1.01, "2"],
    [30, "30"],
  ])("TooManyRequestsError after %d s says Retry-After %s with HTTP 429", (seconds, header) => {
    const error = new TooManyRequestsError(seconds);
    expect(error.message).toBe("Too many attempts. Try again later.");
    expect(error.extensions.code).toBe("TOO_MANY_REQUESTS");
    expect((error.extensions.http as { status: number }).status).toBe(429);
    expect(headersOf(error).get("retry-after")).toBe(header);
  });

  it("ServiceUnavailableError asks for HTTP 503 and a retry after 1 s", () => {
    const error = new ServiceUnavailableError();
    expect(error.message).toBe("The service is temporarily unavailable.");
    expect(error.extensions.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.extensions.http).toEqual({
      status: 503,
      headers: new Map([["retry-after", "1"]]),
    });
  });
});
