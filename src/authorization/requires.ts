import { Authorized, Directive } from "type-graphql";
import { type Rule, scopeAlternatives } from "./rules";

/**
 * The SDL of a rule, in the names Apollo Router reads: `@authenticated` for any signed-in caller,
 * `@requiresScopes` for the permissions that can pass it, and `@policy` naming an owner rule
 * (the owner relation is not a scope; docs/authorization.md says what each policy means).
 */
export function ruleDirectives(rule: Rule): string[] {
  const quoted = (lists: string[][]) =>
    `[${lists.map((list) => `[${list.map((name) => JSON.stringify(name)).join(", ")}]`).join(", ")}]`;
  if (rule.kind === "signed-in") return ["@authenticated"];
  if (rule.kind === "permission")
    return [`@requiresScopes(scopes: ${quoted(scopeAlternatives(rule))})`];
  const policy = `@policy(policies: ${quoted([[rule.name]])})`;
  return rule.own === null
    ? ["@authenticated", policy]
    : [`@requiresScopes(scopes: ${quoted(scopeAlternatives(rule))})`, policy];
}

/**
 * `@Authorized` for a rule, and the rule's directives in the schema: what `schema.graphql` shows
 * and what the auth checker enforces come from this one place.
 */
export function Requires(rule: Rule): MethodDecorator & PropertyDecorator {
  // Applied last to first, so the directives print in the order ruleDirectives gives.
  const decorators = [
    Authorized(rule),
    ...ruleDirectives(rule).map((sdl) => Directive(sdl)),
  ].reverse();
  return (target: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    for (const decorate of decorators) {
      (decorate as (t: object, k: string | symbol, d?: PropertyDescriptor) => void)(
        target,
        key,
        descriptor,
      );
    }
  };
}
