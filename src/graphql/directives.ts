import {
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
  specifiedDirectives,
} from "graphql";
import { Directive } from "type-graphql";

/**
 * The IBM GraphQL Cost specification's directives, declared as Apollo Router's demand control
 * reads them (https://ibm.github.io/graphql-specs/cost-spec.html), so the estimate in cost.ts and
 * any tool that knows the specification read the same numbers from schema.graphql.
 */
export const costDirective = new GraphQLDirective({
  name: "cost",
  description: "The weight of a field, argument or type, replacing its default cost.",
  locations: [
    DirectiveLocation.ARGUMENT_DEFINITION,
    DirectiveLocation.ENUM,
    DirectiveLocation.FIELD_DEFINITION,
    DirectiveLocation.INPUT_FIELD_DEFINITION,
    DirectiveLocation.OBJECT,
    DirectiveLocation.SCALAR,
  ],
  args: { weight: { type: new GraphQLNonNull(GraphQLInt) } },
});

const names = new GraphQLList(new GraphQLNonNull(GraphQLString));

export const listSizeDirective = new GraphQLDirective({
  name: "listSize",
  description:
    "The size of a list field: the value of a slicing argument, else assumedSize, else the server's default page size.",
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    assumedSize: { type: GraphQLInt },
    slicingArguments: { type: names },
    sizedFields: { type: names },
    requireOneSlicingArgument: { type: GraphQLBoolean, defaultValue: true },
  },
});

const nestedNames = new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(names)));
const accessLocations = [
  DirectiveLocation.FIELD_DEFINITION,
  DirectiveLocation.OBJECT,
  DirectiveLocation.INTERFACE,
  DirectiveLocation.SCALAR,
  DirectiveLocation.ENUM,
];

/**
 * The access directives of Apollo Router and the federation spec
 * (https://www.apollographql.com/docs/graphos/routing/security/authorization), written by
 * authorization/requires.ts from the same rule that enforces the field.
 */
export const authenticatedDirective = new GraphQLDirective({
  name: "authenticated",
  description: "Only a signed-in caller may read this.",
  locations: accessLocations,
});

export const requiresScopesDirective = new GraphQLDirective({
  name: "requiresScopes",
  description:
    "The caller's effective permissions (roles, narrowed by the token's scope) must include every name of at least one inner list.",
  locations: accessLocations,
  args: { scopes: { type: nestedNames } },
});

export const policyDirective = new GraphQLDirective({
  name: "policy",
  description:
    "A named rule about the caller's relation to the data (owner or not), listed in docs/authorization.md; at least one inner list must pass in full.",
  locations: accessLocations,
  args: { policies: { type: nestedNames } },
});

/**
 * Every directive the schema applies beyond graphql-js's own. buildSchema declares them and
 * schema.graphql prints them with their uses, so a new kind of schema metadata (an authorization
 * directive, say) is added here and applied with type-graphql's @Directive.
 */
export const schemaDirectives: readonly GraphQLDirective[] = [
  ...specifiedDirectives,
  costDirective,
  listSizeDirective,
  authenticatedDirective,
  requiresScopesDirective,
  policyDirective,
];

/** `@cost(weight: n)`: this field, argument or type costs n instead of its default. */
export const Cost = (weight: number) => Directive(`@cost(weight: ${weight})`);

/** A list of a known size: `@listSize(assumedSize: n)`. */
export const AssumedSize = (size: number) => Directive(`@listSize(assumedSize: ${size})`);

/**
 * A list paged with `first` (see PageArgs): as long as `first` asks, or the server's default page
 * size without it, which is why no assumedSize is declared and `first` is optional.
 */
export const Paged = () =>
  Directive('@listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)');
