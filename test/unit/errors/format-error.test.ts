import {
  buildSchema,
  graphql,
  GraphQLError,
  type GraphQLFormattedError,
  locatedError,
} from "graphql";
import pino from "pino";
import {
  ForbiddenError,
  InvalidTokenError,
  ServiceUnavailableError,
} from "../../../src/errors/app-errors";
import { createFormatError, withoutVariableValues } from "../../../src/errors/format-error";

/** A real pino logger writing JSON lines into an array. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: "info", base: undefined },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** What Apollo Server hands formatError for an error thrown by a resolver at `path`. */
function fromResolver(thrown: Error, path: string[], code: string) {
  const error = locatedError(thrown, undefined, path);
  const formatted: GraphQLFormattedError = {
    message: error.message,
    locations: [{ line: 1, column: 3 }],
    path,
    extensions: { ...error.extensions, code, stacktrace: ["Error: ...", "    at resolver"] },
  };
  return { error, formatted };
}

/**
 * What Apollo Server hands formatError for a variable that does not fit its type: graphql-js's
 * own error, rewrapped with code BAD_USER_INPUT (Apollo's UserInputError keeps its cause).
 */
async function variableError(source: string, variableValues: Record<string, unknown>) {
  const schema = buildSchema(`
    input LoginInput { email: String! password: String! }
    type Query { ok: Boolean }
    type Mutation { login(input: LoginInput!): Boolean changePassword(currentPassword: String!): Boolean }
  `);
  const result = await graphql({ schema, source, variableValues });
  expect(result.errors).toHaveLength(1);
  const raw = result.errors![0];
  const error = new GraphQLError(raw.message, {
    nodes: raw.nodes,
    originalError: raw.originalError ?? undefined,
    extensions: { code: "BAD_USER_INPUT" },
  });
  const formatted: GraphQLFormattedError = {
    message: error.message,
    locations: error.locations,
    extensions: { code: "BAD_USER_INPUT" },
  };
  return { error, formatted };
}

describe("createFormatError", () => {
  it("passes a deliberate AppError thrown by a resolver through unchanged, unlogged", () => {
    const { logger, lines } = capturedLogger();
    const { error, formatted } = fromResolver(new ForbiddenError(), ["task"], "FORBIDDEN");
    const result = createFormatError(logger)(formatted, error);
    expect(result).toBe(formatted);
    expect(result.message).toBe("You are not allowed to do this.");
    expect(result.extensions?.code).toBe("FORBIDDEN");
    expect(lines).toEqual([]);
  });

  describe("which rule refused, in extensions.authz", () => {
    const refused = () =>
      new ForbiddenError(undefined, {
        reason: "INSUFFICIENT_SCOPE",
        authz: {
          at: "Mutation.createTask",
          rule: "create-task",
          requires: "task:write",
          roles: ["USER"],
          scope: ["task:read"],
          permissions: ["task:read"],
        },
      });

    it("keeps it outside production", () => {
      const { logger } = capturedLogger();
      const { error, formatted } = fromResolver(refused(), ["createTask"], "FORBIDDEN");
      const result = createFormatError(logger, { explainRefusals: true })(formatted, error);
      expect(result.extensions).toMatchObject({ authz: { rule: "create-task" } });
    });

    it("drops it in production, keeping code and reason, and writes it to the debug log only", () => {
      const lines: Array<Record<string, unknown>> = [];
      const logger = pino(
        { level: "debug", base: undefined },
        { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
      );
      const { error, formatted } = fromResolver(refused(), ["createTask"], "FORBIDDEN");
      const result = createFormatError(logger, { explainRefusals: false })(formatted, error);
      expect(result.extensions).toMatchObject({ code: "FORBIDDEN", reason: "INSUFFICIENT_SCOPE" });
      expect(result.extensions).not.toHaveProperty("authz");
      expect(result.message).toBe("You are not allowed to do this.");
      expect(lines).toEqual([
        expect.objectContaining({
          level: 20,
          authz: expect.objectContaining({ rule: "create-task" }),
        }),
      ]);
    });
  });

  it("passes an AppError raised outside any resolver (a refused token) unchanged", () => {
    const { logger, lines } = capturedLogger();
    const error = new InvalidTokenError("expired");
    const formatted: GraphQLFormattedError = {
      message: error.message,
      extensions: { code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" },
    };
    expect(createFormatError(logger)(formatted, error)).toBe(formatted);
    expect(lines).toEqual([]);
  });

  it("masks a plain Error as INTERNAL_SERVER_ERROR 'Unexpected error.', keeping path and locations", () => {
    const { logger } = capturedLogger();
    const { error, formatted } = fromResolver(
      new Error("connect ECONNREFUSED db.internal:3306 as root/hunter2"),
      ["me", "tasks"],
      "INTERNAL_SERVER_ERROR",
    );
    expect(createFormatError(logger)(formatted, error)).toEqual({
      message: "Unexpected error.",
      locations: [{ line: 1, column: 3 }],
      path: ["me", "tasks"],
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  it("logs the masked error in full, with its path", () => {
    const { logger, lines } = capturedLogger();
    const { error, formatted } = fromResolver(
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      ["task", "owner"],
      "INTERNAL_SERVER_ERROR",
    );
    createFormatError(logger)(formatted, error);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: "unexpected error",
      path: ["task", "owner"],
      err: {
        type: "TypeError",
        message: "Cannot read properties of undefined (reading 'id')",
        stack: expect.stringContaining("TypeError"),
      },
    });
  });

  it("works with any logger that has an error method", () => {
    const calls: unknown[][] = [];
    const logger = { error: (...args: unknown[]) => calls.push(args) } as unknown as pino.Logger;
    const original = new Error("boom");
    const { error, formatted } = fromResolver(original, ["x"], "INTERNAL_SERVER_ERROR");
    expect(createFormatError(logger)(formatted, error).message).toBe("Unexpected error.");
    expect(calls).toEqual([[{ err: original, path: ["x"] }, "unexpected error"]]);
  });

  it("masks a plain Error even when it claims a request-error code", () => {
    const { logger, lines } = capturedLogger();
    const { error, formatted } = fromResolver(
      new Error("SQLITE_ERROR: near 'DROP': syntax error"),
      ["tasks"],
      "BAD_USER_INPUT",
    );
    const result = createFormatError(logger)(formatted, error);
    expect(result.message).toBe("Unexpected error.");
    expect(result.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(lines).toHaveLength(1);
  });

  it("masks a GraphQLError of our own that is not an AppError", () => {
    const { logger } = capturedLogger();
    const { error, formatted } = fromResolver(
      new GraphQLError("internal detail", { extensions: { code: "FORBIDDEN" } }),
      ["users"],
      "FORBIDDEN",
    );
    expect(createFormatError(logger)(formatted, error)).toMatchObject({
      message: "Unexpected error.",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  it("masks a request-error code whose cause chain ends in a plain Error", () => {
    const { logger } = capturedLogger();
    const cause = new RangeError("scalar parser blew up");
    const error = new GraphQLError('Variable "$at" got invalid value "x"; boom', {
      originalError: new GraphQLError("Expected type DateTime. boom", { originalError: cause }),
      extensions: { code: "BAD_USER_INPUT" },
    });
    const formatted: GraphQLFormattedError = {
      message: error.message,
      extensions: { code: "BAD_USER_INPUT" },
    };
    expect(createFormatError(logger)(formatted, error).message).toBe("Unexpected error.");
  });

  it("passes graphql-js validation errors through as they are", () => {
    const { logger, lines } = capturedLogger();
    const error = new GraphQLError('Cannot query field "secret" on type "Query".', {
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    const formatted: GraphQLFormattedError = {
      message: error.message,
      locations: [{ line: 1, column: 3 }],
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    };
    expect(createFormatError(logger)(formatted, error)).toEqual(formatted);
    expect(lines).toEqual([]);
  });

  it("passes an AppError that carries an HTTP status unchanged (a 503)", () => {
    const { logger } = capturedLogger();
    const { error, formatted } = fromResolver(
      new ServiceUnavailableError(),
      ["tasks"],
      "SERVICE_UNAVAILABLE",
    );
    expect(createFormatError(logger)(formatted, error)).toBe(formatted);
  });

  it("drops a submitted password from a real variable-coercion error, unlogged", async () => {
    const { logger, lines } = capturedLogger();
    const { error, formatted } = await variableError(
      "mutation ($i: LoginInput!) { login(input: $i) }",
      { i: { email: "ann@example.com", password: "hunter2-Secret!", remember: true } },
    );
    expect(error.message).toContain("hunter2-Secret!");
    const result = createFormatError(logger)(formatted, error);
    expect(result).toEqual({
      message:
        'Variable "$i" got an invalid value. Field "remember" is not defined by type "LoginInput".',
      locations: formatted.locations,
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(lines).toEqual([]);
  });

  it("drops a mistyped top-level password but keeps the variable name", async () => {
    const { logger } = capturedLogger();
    const { error, formatted } = await variableError(
      "mutation ($p: String!) { changePassword(currentPassword: $p) }",
      { p: 31415926535 },
    );
    const result = createFormatError(logger)(formatted, error);
    expect(result.message).toBe('Variable "$p" got an invalid value.');
    expect(result.extensions).toEqual({ code: "BAD_USER_INPUT" });
  });
});

describe("withoutVariableValues", () => {
  it("drops the value but keeps the variable and the path", () => {
    expect(
      withoutVariableValues(
        'Variable "$i" got invalid value 123 at "i.password"; String cannot represent a non string value: 123',
      ),
    ).toBe('Variable "$i" got an invalid value at "i.password".');
  });

  it("keeps the name of a required field that was not provided", () => {
    expect(
      withoutVariableValues(
        'Variable "$i" got invalid value { email: "ann@example.com" }; Field "password" of required type "String!" was not provided.',
      ),
    ).toBe(
      'Variable "$i" got an invalid value. Field "password" of required type "String!" was not provided.',
    );
  });

  it("keeps the name of an unknown field and drops the submitted password beside it", () => {
    const result = withoutVariableValues(
      'Variable "$i" got invalid value { email: "ann@example.com", password: "hunter2-Secret!", pasword: "x" }; Field "pasword" is not defined by type "LoginInput". Did you mean "password"?',
    );
    expect(result).toBe(
      'Variable "$i" got an invalid value. Field "pasword" is not defined by type "LoginInput".',
    );
    expect(result).not.toContain("hunter2");
    expect(result).not.toContain("ann@example.com");
  });

  it("keeps a list path", () => {
    expect(
      withoutVariableValues(
        'Variable "$r" got invalid value "ROOT" at "r[1]"; Value "ROOT" does not exist in "Role" enum.',
      ),
    ).toBe('Variable "$r" got an invalid value at "r[1]".');
  });

  it("does not take a path planted inside the submitted string value", () => {
    const result = withoutVariableValues(
      'Variable "$p" got invalid value "x at \\"leak\\"; y"; Expected type "LoginInput" to be an object.',
    );
    expect(result).toBe('Variable "$p" got an invalid value.');
  });

  it.each([
    'Variable "$i" of required type "LoginInput!" was not provided.',
    'Variable "$p" of non-null type "String!" must not be null.',
    'Cannot query field "secret" on type "Query".',
    'Syntax Error: Unexpected Name "mutatoin".',
  ])("leaves a message without a submitted value alone: %s", (message) => {
    expect(withoutVariableValues(message)).toBe(message);
  });
});
