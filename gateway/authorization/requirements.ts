import {
  Kind,
  parse,
  valueFromASTUntyped,
  type ConstArgumentNode,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
} from '../../subgraphs/shared/graphql.ts';

/**
 * Federation's access-control features, as composition links them in the supergraph:
 *
 *   @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
 *   @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
 *
 * with the applications under their linked names (`@authenticated`, `@requiresScopes` unless the
 * link renames them with `as:` or `import:`), on fields, object and interface types, scalars and
 * enums. @apollo/gateway 2.14 refuses a supergraph that links any feature `for: SECURITY`; the
 * gateway enforces these two itself (./prune.ts) and hands @apollo/gateway the supergraph without
 * the marker (`supergraphForGateway`). A SECURITY feature not listed here (`@policy`), or another
 * version of these, keeps its marker, so @apollo/gateway refuses the supergraph: protection is
 * never dropped silently.
 */
export const ENFORCED_FEATURES = {
  authenticated: 'https://specs.apollo.dev/authenticated/v0.1',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes/v0.1',
} as const;

type FeatureName = keyof typeof ENFORCED_FEATURES;

const SPEC_URL = /^https:\/\/specs\.apollo\.dev\/([A-Za-z]+)\/(v\d+\.\d+)$/;

/** What a caller must have to use a field, or anything of a type. */
export interface Requirement {
  /** `@authenticated`: only a caller with a verified identity. */
  authenticated: boolean;
  /**
   * One entry per `@requiresScopes` application that applies; every entry must hold. An entry
   * holds when the caller has every scope of at least one of its sets:
   * `[["a", "b"], ["c"]]` is (a and b) or c. Scopes imply authentication.
   */
  scopes: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>;
}

export interface SchemaRequirements {
  /** By type name: the type's own requirement; applies to every field returning the type and to fragments on it. */
  types: ReadonlyMap<string, Requirement>;
  /** By schema coordinate, `Type.field`. */
  fields: ReadonlyMap<string, Requirement>;
}

/** Who is asking, as far as requirements are concerned. */
export interface Caller {
  authenticated: boolean;
  /** Every scope (national officials): satisfies any @requiresScopes. */
  allScopes: boolean;
  scopes: ReadonlySet<string>;
}

export function satisfies(requirement: Requirement, caller: Caller): boolean {
  if (!caller.authenticated) return !requirement.authenticated && requirement.scopes.length === 0;
  if (caller.allScopes) return true;
  return requirement.scopes.every((alternatives) => alternatives.some((set) => set.every((scope) => caller.scopes.has(scope))));
}

/** "the scope venues:read", "the scopes a and b", "one of: a; b and c", "an authenticated caller". */
export function describeRequirements(requirements: readonly Requirement[]): string {
  const parts: string[] = [];
  for (const requirement of requirements) {
    for (const alternatives of requirement.scopes) {
      const sets = alternatives.map((set) => set.join(' and '));
      if (sets.length === 1 && alternatives[0]?.length === 1) parts.push(`the scope ${sets[0]}`);
      else if (sets.length === 1) parts.push(`the scopes ${sets[0]}`);
      else parts.push(`one of: ${sets.join('; ')}`);
    }
  }
  if (parts.length === 0 && requirements.some((r) => r.authenticated)) parts.push('an authenticated caller');
  return [...new Set(parts)].join(', and ');
}

interface LinkedFeature {
  name: FeatureName;
  /** The directive's name in this supergraph, without `@`. */
  directive: string;
  /** The `for:` argument of the link, if any (its text range is what `supergraphForGateway` removes). */
  purpose: ConstArgumentNode | undefined;
  link: ConstDirectiveNode;
}

/** The enforced features a supergraph links. Throws for a version of them this gateway does not know. */
function linkedFeatures(document: DocumentNode): LinkedFeature[] {
  const found: LinkedFeature[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const args = argumentsOf(link);
      const url = args.get('url');
      const match = typeof url === 'string' ? SPEC_URL.exec(url) : null;
      if (!match) continue;
      const name = match[1] as FeatureName;
      if (!(name in ENFORCED_FEATURES)) continue;
      if (url !== ENFORCED_FEATURES[name]) {
        throw new Error(`the supergraph links ${url}; this gateway enforces only ${ENFORCED_FEATURES[name]}`);
      }
      const as = args.get('as');
      found.push({
        name,
        directive: importedName(args.get('import'), name) ?? (typeof as === 'string' ? as : name),
        purpose: link.arguments?.find((a) => a.name.value === 'for'),
        link,
      });
    }
  }
  return found;
}

/** `import: ["@requiresScopes"]` or `import: [{ name: "@requiresScopes", as: "@scopes" }]`. */
function importedName(imports: unknown, name: string): string | undefined {
  if (!Array.isArray(imports)) return undefined;
  for (const entry of imports) {
    if (entry === `@${name}`) return name;
    if (entry && typeof entry === 'object' && (entry as { name?: unknown }).name === `@${name}`) {
      const as = (entry as { as?: unknown }).as;
      return typeof as === 'string' ? as.replace(/^@/, '') : name;
    }
  }
  return undefined;
}

function argumentsOf(directive: ConstDirectiveNode): Map<string, unknown> {
  return new Map((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
}

/**
 * Every `@authenticated` / `@requiresScopes` application of a supergraph, by type and by field.
 * Throws when a `scopes` argument is not a list of lists of strings (composition never writes one).
 */
export function readRequirements(supergraph: string | DocumentNode): SchemaRequirements {
  const document = typeof supergraph === 'string' ? parse(supergraph) : supergraph;
  const features = linkedFeatures(document);
  const authenticated = features.find((f) => f.name === 'authenticated')?.directive;
  const requiresScopes = features.find((f) => f.name === 'requiresScopes')?.directive;
  const types = new Map<string, Requirement>();
  const fields = new Map<string, Requirement>();
  if (!authenticated && !requiresScopes) return { types, fields };

  const requirementOf = (directives: readonly ConstDirectiveNode[] | undefined, where: string): Requirement | undefined => {
    let result: { authenticated: boolean; scopes: string[][][] } | undefined;
    for (const directive of directives ?? []) {
      if (directive.name.value === authenticated) {
        result ??= { authenticated: false, scopes: [] };
        result.authenticated = true;
      } else if (directive.name.value === requiresScopes) {
        result ??= { authenticated: false, scopes: [] };
        result.scopes.push(scopeSets(argumentsOf(directive).get('scopes'), where));
      }
    }
    return result;
  };
  const add = (into: Map<string, Requirement>, key: string, requirement: Requirement | undefined) => {
    if (!requirement) return;
    const previous = into.get(key);
    into.set(key, previous ? { authenticated: previous.authenticated || requirement.authenticated, scopes: [...previous.scopes, ...requirement.scopes] } : requirement);
  };

  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        for (const field of (definition.fields ?? []) as readonly FieldDefinitionNode[]) {
          const coordinate = `${definition.name.value}.${field.name.value}`;
          add(fields, coordinate, requirementOf(field.directives as readonly ConstDirectiveNode[] | undefined, coordinate));
        }
        add(types, definition.name.value, requirementOf(definition.directives, definition.name.value));
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
        add(types, definition.name.value, requirementOf(definition.directives, definition.name.value));
        break;
      default:
        break;
    }
  }
  return { types, fields };
}

function scopeSets(value: unknown, where: string): string[][] {
  const valid = Array.isArray(value) && value.every((set) => Array.isArray(set) && set.every((scope) => typeof scope === 'string'));
  if (!valid) throw new Error(`@requiresScopes on ${where}: scopes must be a list of lists of strings`);
  return value as string[][];
}

/**
 * The supergraph as @apollo/gateway may load it: the same text with the `for: SECURITY` argument
 * removed from the links of the features the gateway enforces itself (nothing else changes, so
 * line numbers in @apollo/gateway's messages still match the file). Throws when the text is not
 * GraphQL, when an enforced feature comes in an unknown version, or when a requirement is
 * malformed, so a bad file never replaces the supergraph in service.
 */
export function supergraphForGateway(sdl: string): string {
  const document = parse(sdl);
  readRequirements(document);
  const cuts: Array<[number, number]> = [];
  for (const feature of linkedFeatures(document)) {
    const purpose = feature.purpose;
    if (!purpose?.loc || purpose.value.kind !== Kind.ENUM || purpose.value.value !== 'SECURITY') continue;
    const args = feature.link.arguments ?? [];
    const index = args.indexOf(purpose);
    const previous = args[index - 1];
    const next = args[index + 1];
    // `url: "…", for: SECURITY` → `url: "…"`;  `for: SECURITY, url: "…"` → `url: "…"`.
    if (previous?.loc) cuts.push([previous.loc.end, purpose.loc.end]);
    else if (next?.loc) cuts.push([purpose.loc.start, next.loc.start]);
    else cuts.push([purpose.loc.start, purpose.loc.end]);
  }
  let result = sdl;
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) result = result.slice(0, start) + result.slice(end);
  return result;
}
