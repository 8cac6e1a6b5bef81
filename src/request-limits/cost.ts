import {
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLSkipDirective,
  GraphQLIncludeDirective,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  isUnionType,
  Kind,
  OperationTypeNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { costDirective, listSizeDirective } from "../graphql/directives";

/**
 * Static cost of an operation, before it runs, as the IBM GraphQL Cost specification defines it
 * and Apollo Router's demand control computes it: an object (interface, union) costs 1, a scalar
 * or enum 0, a mutation 10 more, an input object argument 1 plus its fields; `@cost(weight:)`
 * replaces a field's or type's own cost; and a list field costs its size times the cost of its
 * items, the size being the largest slicing argument given (`first`), else the field's
 * `@listSize(assumedSize:)`, else the default list size. So
 * `{ me { tasks { owner { tasks { id } } } } }` costs 1 + 100 × (1 + 1 + 100 × 1) = 10,201 with
 * pages of 100.
 *
 * Written here rather than taken from graphql-query-complexity, whose estimators read its own
 * `@complexity` directive, cannot size a field from its parent's arguments (`sizedFields`), and
 * re-walk a fragment at every spread: ten nested fragments spread twice each are 2^10 walks. Here
 * each fragment is costed once per list-size context, so the walk is linear in the document.
 */
export interface CostOptions {
  /** Size of a list that neither a slicing argument nor an assumedSize sizes. */
  readonly defaultListSize: number;
  /** A slicing argument above this is counted as this: the server refuses larger pages anyway. */
  readonly maxListSize: number;
}

export interface CostEstimate {
  readonly cost: number;
  /** Whether a variable's value was read; when not, the cost holds for every request of the document. */
  readonly readVariables: boolean;
}

interface ListSize {
  readonly assumedSize?: number;
  readonly slicingArguments?: readonly string[];
  readonly sizedFields?: readonly string[];
  readonly requireOneSlicingArgument: boolean;
}

interface FieldCost {
  /** The field's own cost: its @cost, else its type's @cost, else 1 for composite types, 0 otherwise. */
  readonly weight: number;
  readonly isList: boolean;
  readonly listSize?: ListSize;
}

/** A list's size handed down to the fields its @listSize names in `sizedFields`. */
interface SizedContext {
  readonly size: number;
  readonly fields: readonly string[];
}

const MUTATION_COST = 10;
const fieldCosts = new WeakMap<GraphQLSchema, Map<GraphQLField<unknown, unknown>, FieldCost>>();

export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  options: CostOptions,
): CostEstimate {
  const estimator = new Estimator(schema, document, variables ?? {}, options);
  const root = schema.getRootType(operation.operation);
  const base = operation.operation === OperationTypeNode.MUTATION ? MUTATION_COST : 0;
  const cost = root ? base + estimator.selectionSet(operation.selectionSet, root) : 0;
  return { cost, readVariables: estimator.readVariables };
}

class Estimator {
  readVariables = false;
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly fragmentCosts = new Map<string, number>();
  private readonly costs: Map<GraphQLField<unknown, unknown>, FieldCost>;

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Readonly<Record<string, unknown>>,
    private readonly options: CostOptions,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        this.fragments.set(definition.name.value, definition);
      }
    }
    let costs = fieldCosts.get(schema);
    if (!costs) {
      costs = new Map();
      fieldCosts.set(schema, costs);
    }
    this.costs = costs;
  }

  selectionSet(set: SelectionSetNode, type: GraphQLCompositeType, sized?: SizedContext): number {
    let cost = 0;
    for (const selection of set.selections) {
      if (this.skipped(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        cost += this.field(selection, type, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? this.schema.getType(selection.typeCondition.name.value)
          : type;
        if (condition && isCompositeType(condition)) {
          cost += this.selectionSet(selection.selectionSet, condition, sized);
        }
      } else {
        cost += this.fragment(selection.name.value, sized);
      }
    }
    return cost;
  }

  private fragment(name: string, sized: SizedContext | undefined): number {
    const key = sized ? `${name}|${sized.size}|${sized.fields.join(",")}` : name;
    const known = this.fragmentCosts.get(key);
    if (known !== undefined) return known;
    // Validation refuses fragment cycles before this runs; a 0 here would still end one.
    this.fragmentCosts.set(key, 0);
    const fragment = this.fragments.get(name);
    const type = fragment && this.schema.getType(fragment.typeCondition.name.value);
    const cost =
      fragment && type && isCompositeType(type)
        ? this.selectionSet(fragment.selectionSet, type, sized)
        : 0;
    this.fragmentCosts.set(key, cost);
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLCompositeType, sized?: SizedContext): number {
    // __typename is free; introspection (__schema, __type) is bounded by graphql-js's own rule.
    if (node.name.value.startsWith("__") || isUnionType(parent)) return 0;
    const definition = parent.getFields()[node.name.value] as GraphQLField<unknown, unknown>;
    if (!definition) return 0;
    const meta = this.fieldCost(definition);
    const expected = meta.listSize ? this.expectedSize(meta.listSize, node, definition) : undefined;
    const upstream = sized?.fields.includes(node.name.value) ? sized.size : undefined;
    const count = meta.isList ? (upstream ?? expected ?? this.options.defaultListSize) : 1;

    const itemType = getNamedType(definition.type);
    let itemCost = meta.weight;
    if (node.selectionSet && isCompositeType(itemType)) {
      const inner =
        meta.listSize?.sizedFields && expected !== undefined
          ? { size: expected, fields: meta.listSize.sizedFields }
          : undefined;
      itemCost += this.selectionSet(node.selectionSet, itemType, inner);
    }
    let argumentsCost = 0;
    for (const argument of node.arguments ?? []) {
      const argumentDefinition = definition.args.find((arg) => arg.name === argument.name.value);
      if (!argumentDefinition) continue;
      const weight = weightOf(argumentDefinition.astNode);
      argumentsCost += this.valueCost(argument.value, argumentDefinition.type, weight);
    }
    return count * itemCost + argumentsCost;
  }

  /** The largest slicing argument given (or defaulted), else assumedSize. */
  private expectedSize(
    listSize: ListSize,
    node: FieldNode,
    definition: GraphQLField<unknown, unknown>,
  ): number | undefined {
    const slicing = listSize.slicingArguments ?? [];
    if (slicing.length === 0) return listSize.assumedSize;
    const sizes: number[] = [];
    for (const name of slicing) {
      const given = node.arguments?.find((argument) => argument.name.value === name);
      let value: unknown = definition.args.find((arg) => arg.name === name)?.defaultValue;
      if (given?.value.kind === Kind.INT) value = Number(given.value.value);
      else if (given?.value.kind === Kind.VARIABLE) {
        this.readVariables = true;
        value = this.variables[given.value.name.value] ?? value;
      } else if (given && given.value.kind !== Kind.NULL) value = NaN;
      if (value === undefined || value === null) continue;
      // Anything but a whole number will be refused when the field runs; until then, count it
      // as the largest page rather than trust it.
      const size =
        typeof value === "number" && Number.isInteger(value) ? value : this.options.maxListSize;
      sizes.push(Math.min(Math.max(size, 0), this.options.maxListSize));
    }
    if (listSize.requireOneSlicingArgument && sizes.length !== 1) return this.options.maxListSize;
    return sizes.length > 0 ? Math.max(...sizes) : listSize.assumedSize;
  }

  /** An input object costs 1 (or its @cost) plus its fields; a list the sum of its items. */
  private valueCost(value: ValueNode, type: GraphQLInputType, weight?: number): number {
    if (value.kind === Kind.VARIABLE) {
      this.readVariables = true;
      return this.variableCost(this.variables[value.name.value], type, weight);
    }
    if (value.kind === Kind.NULL) return 0;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const items = value.kind === Kind.LIST ? value.values : [value];
      let cost = weight ?? 0;
      for (const item of items) cost += this.valueCost(item, nullable.ofType);
      return cost;
    }
    if (isInputObjectType(nullable) && value.kind === Kind.OBJECT) {
      let cost = weight ?? 1;
      const fields = nullable.getFields();
      for (const field of value.fields) {
        const definition = fields[field.name.value];
        if (definition) {
          cost += this.valueCost(field.value, definition.type, weightOf(definition.astNode));
        }
      }
      return cost;
    }
    return weight ?? 0;
  }

  /** The same for a variable's JSON value; the recursion follows the type, never the value alone. */
  private variableCost(value: unknown, type: GraphQLInputType, weight?: number): number {
    if (value === null || value === undefined) return 0;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const items = Array.isArray(value) ? value : [value];
      let cost = weight ?? 0;
      for (const item of items) cost += this.variableCost(item, nullable.ofType);
      return cost;
    }
    if (isInputObjectType(nullable) && typeof value === "object" && !Array.isArray(value)) {
      let cost = weight ?? 1;
      const fields = nullable.getFields();
      for (const [name, inner] of Object.entries(value)) {
        const definition = fields[name];
        if (definition) {
          cost += this.variableCost(inner, definition.type, weightOf(definition.astNode));
        }
      }
      return cost;
    }
    return weight ?? 0;
  }

  /** Literal `@skip(if: true)` / `@include(if: false)`, or a variable saying so, drops a field. */
  private skipped(directives: readonly DirectiveNode[] | undefined): boolean {
    if (!directives || directives.length === 0) return false;
    const node = { directives };
    for (const directive of directives) {
      if (directive.arguments?.some((argument) => argument.value.kind === Kind.VARIABLE)) {
        this.readVariables = true;
      }
    }
    try {
      if (getDirectiveValues(GraphQLSkipDirective, node, this.variables)?.if === true) return true;
      if (getDirectiveValues(GraphQLIncludeDirective, node, this.variables)?.if === false) {
        return true;
      }
    } catch {
      // A variable of the wrong type: execution will refuse it; count the field meanwhile.
    }
    return false;
  }

  private fieldCost(definition: GraphQLField<unknown, unknown>): FieldCost {
    const known = this.costs.get(definition);
    if (known) return known;
    const type = getNamedType(definition.type);
    const listSize = definition.astNode
      ? (getDirectiveValues(listSizeDirective, definition.astNode) as ListSize | undefined)
      : undefined;
    const cost: FieldCost = {
      weight: weightOf(definition.astNode) ?? typeWeight(type),
      isList: isListType(getNullableType(definition.type)),
      ...(listSize ? { listSize } : {}),
    };
    this.costs.set(definition, cost);
    return cost;
  }
}

function typeWeight(type: GraphQLNamedType): number {
  const declared = weightOf(type.astNode);
  if (declared !== undefined) return declared;
  return isObjectType(type) || isInterfaceType(type) || isUnionType(type) ? 1 : 0;
}

function weightOf(node: { readonly directives?: readonly DirectiveNode[] } | null | undefined) {
  if (!node?.directives?.length) return undefined;
  return (getDirectiveValues(costDirective, node) as { weight: number } | undefined)?.weight;
}
