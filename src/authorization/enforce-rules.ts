import {
  defaultFieldResolver,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  isObjectType,
} from "graphql";
import { getMetadataStorage } from "type-graphql";
import type { RequestContext } from "../context/context.type";
import type { Authorizer } from "./auth.checker";
import { requiredRule } from "./requires";
import type { Rule } from "./rules";

/**
 * The rule @Requires put on each field of the schema, by coordinate (`Query.me`, `User.email`),
 * for an object type's own fields, the field resolvers of resolver classes and the operations.
 * Read from type-graphql's metadata, which maps members to schema names: call it once
 * `buildSchema` has run. `undefined`: the field has no rule (a public operation, `User.id`).
 */
export function rulesByCoordinate(): ReadonlyMap<string, Rule | undefined> {
  const storage = getMetadataStorage();
  const found = new Map<string, Rule | undefined>();
  const note = (coordinate: string, rule: Rule | undefined) => found.set(coordinate, rule);
  const typeNames = new Map<unknown, string>(
    [...storage.objectTypes, ...storage.interfaceTypes].map((type) => [type.target, type.name]),
  );
  for (const type of storage.objectTypes) {
    for (const field of type.fields ?? []) {
      note(`${type.name}.${field.schemaName}`, requiredRule(field.target, field.name));
    }
  }
  for (const resolver of storage.fieldResolvers) {
    const typeName = typeNames.get(resolver.getObjectType?.());
    if (typeName)
      note(
        `${typeName}.${resolver.schemaName}`,
        requiredRule(resolver.target, resolver.methodName),
      );
  }
  for (const [root, handlers] of [
    ["Query", storage.queries],
    ["Mutation", storage.mutations],
    ["Subscription", storage.subscriptions],
  ] as const) {
    for (const handler of handlers)
      note(`${root}.${handler.schemaName}`, requiredRule(handler.target, handler.methodName));
  }
  return found;
}

/**
 * The resolver behind its rule's check. Synchronous, so that a field whose resolver is
 * synchronous stays so. A refusal is returned as a rejected promise, never thrown: graphql-js 16
 * completing a list stops at an item that throws and leaves the promises of the items before it
 * unobserved, and an unobserved rejection ends a Node process.
 */
function guarded(
  resolve: GraphQLFieldResolver<unknown, RequestContext>,
  check: (parent: unknown, context: RequestContext) => void,
): GraphQLFieldResolver<unknown, RequestContext> {
  return (source, args, context, info) => {
    try {
      check(source, context);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return resolve(source, args, context, info);
  };
}

/**
 * Puts each field's rule in front of its resolver, on every path to the field: a `User.email`
 * reached through `allTasks.owner` is checked exactly as one reached through `me`. A subscription
 * is checked when it starts (`subscribe`) and again for each event it delivers (`resolve`), so a
 * caller whose permission is gone stops receiving events. Returns the schema, changed in place.
 */
export function enforceRules(schema: GraphQLSchema, authorizer: Authorizer): GraphQLSchema {
  const required = rulesByCoordinate();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const at = `${type.name}.${field.name}`;
      const rule = required.get(at);
      if (!rule) continue;
      const check = authorizer.fieldCheck(rule, at);
      field.resolve = guarded(
        (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, RequestContext>,
        check,
      );
      if (field.subscribe)
        field.subscribe = guarded(
          field.subscribe as GraphQLFieldResolver<unknown, RequestContext>,
          check,
        );
    }
  }
  return schema;
}
