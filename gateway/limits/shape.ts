import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  NoFragmentCyclesRule,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from '../../subgraphs/shared/graphql.ts';

type ArmorConfig = NonNullable<ConstructorParameters<typeof ApolloArmor>[0]>;
type ArmorRejectCallback = NonNullable<NonNullable<ArmorConfig['maxDepth']>['onReject']>[number];

/** Which limit refused an operation; sent to the caller as `extensions.limit`, never the number. */
export type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'cost' | 'fieldRepeats';

/**
 * Caller-facing messages. They name the limit but never its configured value, so a caller
 * cannot probe the gateway's settings (the numbers are in the deployment's environment).
 */
export const LIMIT_MESSAGES: Record<LimitName, string> = {
  depth: 'The operation is nested too deeply. Ask for fewer levels of nested fields.',
  aliases: 'The operation uses too many aliases.',
  directives: 'The operation uses too many directives.',
  tokens: 'Syntax Error: the operation document is too long (too many tokens).',
  cost: 'The operation would fetch too much data. Ask for fewer fields, fewer nested lists or smaller pages (first/limit).',
  fieldRepeats: 'The operation repeats the same field too many times in one selection.',
};

export function limitError(limit: LimitName, nodes?: GraphQLError['nodes']): GraphQLError {
  return new GraphQLError(LIMIT_MESSAGES[limit], { ...(nodes ? { nodes } : {}), extensions: { limit } });
}

export interface ShapeLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** How often one response key (or one fragment spread) may appear in a single selection set. */
  maxFieldRepeats: number;
}

/**
 * The document-shape checks, each cheap (linear in the document, fragments counted once):
 * fragment cycles first (graphql-js' own NoFragmentCyclesRule, on its own, since every other
 * count follows fragment spreads), then graphql-armor's depth, alias and directive limits and
 * the repeated-field limit. Returns the errors; none when the document may be validated in full.
 */
export function checkOperationShape(schema: GraphQLSchema, document: DocumentNode, limits: ShapeLimits): readonly GraphQLError[] {
  const cycles = validate(schema, document, [NoFragmentCyclesRule]);
  if (cycles.length > 0) return cycles;
  return validate(schema, document, [...armorRules(limits), fieldRepeatsRule(limits.maxFieldRepeats)]);
}

/**
 * An Apollo `validationRules` entry that runs `checkOperationShape` before any of graphql-js'
 * own rules does real work. Apollo runs `[...specifiedRules, ...validationRules]` in one parallel
 * visit; the Document node is entered first, by every rule in order, and none of the specified
 * rules does more than a loop over the definitions there. When a limit is exceeded this rule
 * reports it and returns `null` for the Document (graphql-js' visitor: "remove this node"), which
 * ends the traversal for all rules: OverlappingFieldsCanBeMergedRule (quadratic in repeated
 * fields) and the rest never see a refused document.
 *
 * Do not set Apollo's `maxRecursiveSelections`: with it, Apollo moves `validationRules` to a second
 * pass that only runs after the specified rules have passed.
 */
export function operationShapeRule(limits: ShapeLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document: {
      enter(document) {
        const errors = checkOperationShape(context.getSchema(), document, limits);
        if (errors.length === 0) return undefined;
        for (const error of errors) context.reportError(error);
        return null;
      },
    },
  });
}

/** graphql-armor's depth, alias and directive rules, reporting our messages (no numbers). */
function armorRules(limits: ShapeLimits): ValidationRule[] {
  const report =
    (limit: LimitName): ArmorRejectCallback =>
    (context) =>
      context?.reportError(limitError(limit));
  const armor = new ApolloArmor({
    maxDepth: {
      n: limits.maxDepth,
      // Inline fragments and spreads are not levels of the response.
      flattenFragments: true,
      // `__schema` is bounded by graphql-js' MaxIntrospectionDepthRule, and the standard
      // introspection query is deeper than any data query needs to be.
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [report('depth')],
    },
    maxAliases: {
      n: limits.maxAliases,
      // graphql-armor lets `__typename` aliases through by default: 10,000 of them are still work.
      allowList: [],
      propagateOnRejection: false,
      onReject: [report('aliases')],
    },
    maxDirectives: { n: limits.maxDirectives, propagateOnRejection: false, onReject: [report('directives')] },
    // Tokens: graphql-js' own parser limit (Apollo `parseOptions.maxTokens`), so a long document
    // is refused while it is parsed. Cost: ./cost.ts knows the schema's list fields.
    // Suggestions: Apollo's hideSchemaDetailsFromClientErrors and graphql-js' hideSuggestions.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().validationRules;
}

/**
 * `{ a a a … }`: legal GraphQL, but graphql-js compares every pair of fields with the same
 * response key (OverlappingFieldsCanBeMergedRule), so a thousand copies cost a million
 * comparisons. Counts each response key (and each fragment spread) per selection set, inline
 * fragments included, in operations and fragment definitions alike.
 */
export function fieldRepeatsRule(maxRepeats: number): ValidationRule {
  return (context) => ({
    SelectionSet(node) {
      const counts = new Map<string, number>();
      if (exceeds(node, counts, maxRepeats)) {
        context.reportError(limitError('fieldRepeats', [node]));
        return false;
      }
      return undefined;
    },
  });
}

function exceeds(set: SelectionSetNode, counts: Map<string, number>, max: number): boolean {
  for (const selection of set.selections) {
    let key: string;
    if (selection.kind === Kind.FIELD) key = (selection.alias ?? selection.name).value;
    else if (selection.kind === Kind.FRAGMENT_SPREAD) key = `...${selection.name.value}`;
    else {
      if (exceeds(selection.selectionSet, counts, max)) return true;
      continue;
    }
    const count = (counts.get(key) ?? 0) + 1;
    if (count > max) return true;
    counts.set(key, count);
  }
  return false;
}

/** The fragment definitions of a document by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return fragments;
}
