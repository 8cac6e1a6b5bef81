import { Directive } from "type-graphql";
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

/** The rule of each decorated member, by class (the constructor), as @Requires recorded it. */
const declared = new WeakMap<object, Map<string, Rule>>();

/**
 * The rule a field, field resolver or operation needs, and its directives in the schema: what
 * `schema.graphql` shows and what enforce-rules.ts enforces come from this one place. Recorded
 * here rather than with type-graphql's `@Authorized`, whose checker runs as a chain of async
 * middleware and so turns every guarded field into promises (a hundred tasks' owners, a hundred
 * chains); enforce-rules.ts checks the rule synchronously before the resolver runs.
 */
export function Requires(rule: Rule): MethodDecorator & PropertyDecorator {
  // Applied last to first, so the directives print in the order ruleDirectives gives.
  const directives = ruleDirectives(rule)
    .map((sdl) => Directive(sdl))
    .reverse();
  return (target: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    const owner = (target as { constructor: { name: string } }).constructor;
    if (typeof key !== "string") throw new Error(`@Requires on ${owner.name} needs a named member`);
    let members = declared.get(owner);
    if (!members) declared.set(owner, (members = new Map<string, Rule>()));
    if (members.has(key)) throw new Error(`${owner.name}.${key} has more than one @Requires`);
    members.set(key, rule);
    for (const decorate of directives) {
      (decorate as (t: object, k: string | symbol, d?: PropertyDescriptor) => void)(
        target,
        key,
        descriptor,
      );
    }
  };
}

/**
 * The rule @Requires put on a member of a class (the class itself, not its prototype), or on the
 * member of a class it extends.
 */
export function requiredRule(target: object, member: string): Rule | undefined {
  for (let owner: object | null = target; owner; owner = Object.getPrototypeOf(owner) as object) {
    const rule = declared.get(owner)?.get(member);
    if (rule) return rule;
  }
  return undefined;
}
