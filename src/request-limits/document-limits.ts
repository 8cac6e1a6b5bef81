import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import {
  GraphQLError,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { GraphQLLimits } from "../config/config";

/**
 * graphql-armor's rules throw out of `validate` by default, which Apollo would turn into a 500;
 * reported instead, a refusal becomes an ordinary validation error (HTTP 400,
 * GRAPHQL_VALIDATION_FAILED) and the document never reaches execution. Armor prefixes its
 * messages with "Syntax Error: ", which these are not.
 */
const report = (context: ValidationContext | null, error: GraphQLError): void => {
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, "")));
};
const rejection = { propagateOnRejection: false, onReject: [report], exposeLimits: true };

/**
 * Validation rules run beside graphql-js's own, on the parsed document, before any resolver.
 * Introspection is left out of depth: the playground's introspection query is 21 levels deep,
 * and graphql-js's own MaxIntrospectionDepthRule (in `specifiedRules` since 16.9) already refuses
 * the nested introspection that would make it expensive. Depth measures the shape of the
 * response, so a fragment spread (Apollo Client's habit) counts as the fields it stands for
 * rather than as a level of its own. Cost is not a validation rule: it follows list sizes, which
 * variables may set, so cost.plugin.ts estimates it once the variables are known.
 */
const shape = { ignoreIntrospection: true, flattenFragments: true };

export function limitRules(limits: GraphQLLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, ...shape, ...rejection }),
    maxAliasesRule({ n: limits.maxAliases, ...rejection }),
    maxDirectivesRule({ n: limits.maxDirectives, ...rejection }),
  ];
}

/** The parser stops at the token limit, so an oversized document is never fully parsed. */
export function parseOptions(limits: GraphQLLimits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}
