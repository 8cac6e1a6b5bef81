import { buildSchema, GraphQLError, parse, validate } from "graphql";
import pino from "pino";
import { createFormatError, withoutSuggestions } from "../../../src/errors/format-error";

const schema = buildSchema(`
  enum Role { USER ADMIN }
  type User { id: ID! email: String! roles: [Role!]! }
  type Query { me: User! user(id: ID!, role: Role): User }
`);

/** Misspelt documents, and the name graphql-js suggests for each. */
const misspelt: Array<[string, string]> = [
  ["{ me { emial } }", '"email"'],
  ["{ user(idd: 1) { id } }", '"id"'],
  ["{ user(id: 1, role: ADMN) { id } }", '"ADMIN"'],
  ["query($r: Rol) { me { id } }", '"Role"'],
];
const messageOf = (source: string) => validate(schema, parse(source))[0].message;

describe("withoutSuggestions", () => {
  it.each(misspelt)("drops the suggestion from the error of %p", (source, suggested) => {
    const message = messageOf(source);
    expect(message).toContain(`Did you mean`);
    expect(message).toContain(suggested);
    const stripped = withoutSuggestions(message);
    expect(stripped).not.toContain("Did you mean");
    expect(stripped).not.toContain(suggested);
    expect(stripped).toMatch(/\.$/);
  });

  it("leaves messages without a suggestion as they are", () => {
    expect(withoutSuggestions('Cannot query field "x" on type "User".')).toBe(
      'Cannot query field "x" on type "User".',
    );
  });
});

describe("createFormatError with suggestions off", () => {
  const formatError = createFormatError(pino({ level: "silent" }), { suggestions: false });
  const on = createFormatError(pino({ level: "silent" }), { suggestions: true });

  it("strips them from validation errors and keeps them when configured on", () => {
    const error = new GraphQLError(messageOf(misspelt[0][0]));
    const formatted = {
      message: error.message,
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    };
    expect(formatError(formatted, error).message).toBe(
      'Cannot query field "emial" on type "User".',
    );
    expect(on(formatted, error).message).toBe(
      'Cannot query field "emial" on type "User". Did you mean "email"?',
    );
  });
});
