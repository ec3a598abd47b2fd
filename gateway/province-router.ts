import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import {
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import type { Logger } from '../subgraphs/shared/logger.ts';
import { observeSubgraphFetch } from '../subgraphs/shared/metrics.ts';
import { observeSubgraphCall } from '../subgraphs/shared/telemetry.ts';
import type { GatewayContext } from './auth.ts';
import type { EntityCache } from './entity-cache.ts';
import { createSubgraphFetcher, HubDataSource, responseKeys } from './data-source.ts';
import type { ProvinceRegistry } from './province-registry.ts';

type Options = GraphQLDataSourceProcessOptions<GatewayContext>;
type Representation = Record<string, unknown> & { __typename?: string };
type Outcome = { ok: true; response: GatewayGraphQLResponse } | { ok: false; reason: string };

const PROVINCE_CODE = /^\d{2}$/;

/**
 * The data source of the `province` subgraph: one schema, one deployment per province. It sends
 * each part of a fetch to the province it belongs to and puts the answers back
 * together, so a nationwide query is one GraphQL query for the caller:
 * - `_entities`: representations are grouped by `Province.code` or the `provinceCode` key field;
 *   results return in the original order, with error paths re-indexed;
 * - root fields: routed by their `province` argument (several provinces in one fetch are split;
 *   a mutation's parts run in order, a query's in parallel). A root selection the router does not
 *   understand fails the whole fetch with INTERNAL_SERVER_ERROR before any shard is called;
 * - a province that is unregistered, down, slow or failing yields null for its part and an error
 *   with `extensions.code = PROVINCE_UNAVAILABLE` and `extensions.province`; the rest still arrives.
 */
export class ProvinceRouter implements GraphQLDataSource<GatewayContext> {
  private readonly shards = new Map<string, HubDataSource>();
  private readonly fetcher;
  private readonly parsed = new Map<string, DocumentNode>();

  constructor(
    private readonly registry: ProvinceRegistry,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    /** Where the shards' public entities are kept (all shards under `province`: a representation names its province). */
    private readonly entities?: EntityCache,
  ) {
    this.fetcher = createSubgraphFetcher(timeoutMs);
  }

  async process(options: Options): Promise<GatewayGraphQLResponse> {
    const document = this.parse(options.request.query ?? '');
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!operation) return refused(document, 'the fetch has no operation', this.logger);
    const representations = entityRepresentations(operation, options.request.variables ?? {});
    if (representations) return this.processEntities(options, representations);
    if (operation.operation === 'mutation' && this.entities) return this.entities.mutating('province', () => this.processRootFields(options, document, operation));
    return this.processRootFields(options, document, operation);
  }

  private async processEntities(options: Options, representations: Representation[]): Promise<GatewayGraphQLResponse> {
    const results: unknown[] = new Array(representations.length).fill(null);
    const errors: GraphQLFormattedError[] = [];
    const groups = new Map<string, number[]>();
    representations.forEach((rep, index) => {
      const code = rep.__typename === 'Province' ? rep.code : rep.provinceCode;
      if (typeof code !== 'string' || !PROVINCE_CODE.test(code)) {
        errors.push(unavailable(String(code ?? ''), `no valid province code in this ${rep.__typename ?? 'entity'} reference`, ['_entities', index]));
        return;
      }
      groups.set(code, [...(groups.get(code) ?? []), index]);
    });

    await Promise.all(
      [...groups].map(async ([code, indexes]) => {
        const variables = { ...options.request.variables, representations: indexes.map((i) => representations[i]) };
        const outcome = await this.sendEntities(code, { ...options, request: { ...options.request, variables } });
        const entities = outcome.ok ? (outcome.response.data as { _entities?: unknown[] } | null)?._entities : undefined;
        if (!outcome.ok || !Array.isArray(entities)) {
          const reason = outcome.ok ? firstMessage(outcome.response) : outcome.reason;
          for (const index of indexes) errors.push(unavailable(code, reason, ['_entities', index]));
          return;
        }
        entities.forEach((entity, position) => {
          results[indexes[position]!] = entity;
        });
        for (const error of outcome.response.errors ?? []) errors.push(reindex(error, indexes));
      }),
    );
    return { data: { _entities: results }, ...(errors.length ? { errors } : {}) };
  }

  private async processRootFields(options: Options, document: DocumentNode, operation: OperationDefinitionNode): Promise<GatewayGraphQLResponse> {
    const read = readRootFields(operation, options.request.variables ?? {});
    if (typeof read === 'string') return refused(document, read, this.logger);

    const errors: GraphQLFormattedError[] = [];
    const data: Record<string, unknown> = {};
    if (read.typename) data.__typename = operation.operation === 'mutation' ? 'Mutation' : 'Query';
    const routable = read.fields.filter(({ key, code }) => {
      if (PROVINCE_CODE.test(code)) return true;
      data[key] = null;
      errors.push(unavailable(code, 'the province argument must be a two-digit province code', [key]));
      return false;
    });
    // A mutation's root fields run one after another (GraphQL's serial execution), so only
    // neighbours for the same province share a request; a query's fields go to each province at once.
    const mutation = operation.operation === 'mutation';
    const batches: Array<{ code: string; fields: FieldNode[] }> = [];
    for (const { field, code } of routable) {
      const batch = mutation ? batches.at(-1) : batches.find((b) => b.code === code);
      if (batch?.code === code) batch.fields.push(field);
      else batches.push({ code, fields: [field] });
    }

    const run = async ({ code, fields }: { code: string; fields: FieldNode[] }) => {
      // The common case (the whole fetch for one province) forwards it unchanged.
      const request = batches.length === 1 && routable.length === read.fields.length ? {} : { query: print(restrictTo(document, operation, fields)) };
      const outcome = await this.send(code, options, request);
      const answered = outcome.ok ? outcome.response.data : null;
      if (!outcome.ok || !answered) {
        const reason = outcome.ok ? firstMessage(outcome.response) : outcome.reason;
        for (const field of fields) {
          const key = field.alias?.value ?? field.name.value;
          data[key] = null;
          errors.push(unavailable(code, reason, [key]));
        }
        return;
      }
      Object.assign(data, answered);
      errors.push(...(outcome.response.errors ?? []));
    };
    if (mutation) for (const batch of batches) await run(batch);
    else await Promise.all(batches.map(run));
    return { data, ...(errors.length ? { errors } : {}) };
  }

  /**
   * An entity fetch for one province, through the entity cache when the gateway has one. A
   * province taken out of the registry is unavailable at once, whatever was kept of it; one whose
   * shard stops answering is served what was kept until it expires.
   */
  private async sendEntities(code: string, options: Options): Promise<Outcome> {
    if (!this.entities || !this.registry.urlFor(code)) return this.send(code, options, {});
    try {
      const response = await this.entities.process('province', options, async (sent) => {
        const outcome = await this.send(code, sent, {});
        if (!outcome.ok) throw new ShardUnavailable(outcome.reason);
        return outcome.response;
      });
      return { ok: true, response };
    } catch (error) {
      if (error instanceof ShardUnavailable) return { ok: false, reason: error.message };
      throw error;
    }
  }

  private async send(
    code: string,
    options: Options,
    change: { variables?: Record<string, unknown>; query?: string },
  ): Promise<Outcome> {
    const url = this.registry.urlFor(code);
    if (!url) {
      observeSubgraphFetch('province', code, 'unregistered', undefined);
      return { ok: false, reason: 'it is not registered with the hub' };
    }
    try {
      // A fresh request object per shard: the data source writes its HTTP headers onto it.
      const request = { ...options.request, ...change, http: undefined };
      const response = await observeSubgraphCall('province', code, () => this.shard(url).process({ ...options, request } as Options));
      return { ok: true, response };
    } catch (error) {
      this.logger.warn({ err: error, province: code, url }, 'province shard did not answer');
      const timedOut = error instanceof Error && /abort|timeout/i.test(`${error.name} ${error.message}`);
      return { ok: false, reason: timedOut ? `it did not answer within ${this.timeoutMs} ms` : 'it is unreachable' };
    }
  }

  private shard(url: string): HubDataSource {
    let shard = this.shards.get(url);
    if (!shard) {
      shard = new HubDataSource({ url, fetcher: this.fetcher });
      this.shards.set(url, shard);
    }
    return shard;
  }

  private parse(query: string): DocumentNode {
    let document = this.parsed.get(query);
    if (!document) {
      document = parse(query);
      // Query plans repeat: keep a bounded cache of parsed fetch documents.
      if (this.parsed.size > 500) this.parsed.clear();
      this.parsed.set(query, document);
    }
    return document;
  }
}

/** A shard that did not answer, out of the entity cache's `send` (which takes a response or a failure). */
class ShardUnavailable extends Error {}

function unavailable(province: string, message: string, path: Array<string | number>): GraphQLFormattedError {
  return {
    message: province ? `Province ${province} is unavailable: ${message}` : `Province unavailable: ${message}`,
    ...(path.length ? { path } : {}),
    extensions: { code: 'PROVINCE_UNAVAILABLE', province },
  };
}

function firstMessage(response: GatewayGraphQLResponse): string {
  return `it answered with an error (${response.errors?.[0]?.message ?? 'no data'})`;
}

/** Maps `_entities.<position in the shard's batch>` back to the position in the original batch. */
function reindex(error: GraphQLFormattedError, indexes: number[]): GraphQLFormattedError {
  const [root, position, ...rest] = error.path ?? [];
  if (root !== '_entities' || typeof position !== 'number') return error;
  return { ...error, path: ['_entities', indexes[position] ?? position, ...rest] };
}

/** The representations of an `_entities` fetch (its only root field), else undefined. */
function entityRepresentations(operation: OperationDefinitionNode, variables: Record<string, unknown>): Representation[] | undefined {
  const [only, ...others] = operation.selectionSet.selections;
  if (others.length || only?.kind !== Kind.FIELD || only.name.value !== '_entities' || only.directives?.length) return undefined;
  const argument = only.arguments?.find((a) => a.name.value === 'representations');
  const value = argument?.value.kind === Kind.VARIABLE ? variables[argument.value.name.value] : undefined;
  return Array.isArray(value) ? (value as Representation[]) : undefined;
}

interface RootField {
  field: FieldNode;
  key: string;
  /** The `province` argument's value as sent; checked against PROVINCE_CODE by the caller. */
  code: string;
}

/**
 * The root fields a fetch runs, in document order, with `@include` / `@skip` applied and inline
 * fragments on the root type flattened (the query planner writes both into fetches), or why the
 * fetch cannot be routed. Anything else at the root (a fragment spread, another directive, a field
 * without a `province` argument given as a literal or a variable) is refused rather than dropped:
 * a shard must never get, or the caller miss, a part of the fetch the router does not understand.
 */
function readRootFields(operation: OperationDefinitionNode, variables: Record<string, unknown>): { fields: RootField[]; typename: boolean } | string {
  const rootType = operation.operation === 'mutation' ? 'Mutation' : 'Query';
  const fields: RootField[] = [];
  let typename = false;
  const read = (selections: readonly SelectionNode[], included: boolean): string | undefined => {
    for (const selection of selections) {
      const runs = runsUnderDirectives(selection, variables);
      if (typeof runs === 'string') return runs;
      if (selection.kind === Kind.FRAGMENT_SPREAD) return `a fragment spread (...${selection.name.value}) at the root`;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition?.name.value;
        if (condition && condition !== rootType) return `an inline fragment on ${condition} at the root`;
        const problem = read(selection.selectionSet.selections, included && runs);
        if (problem) return problem;
        continue;
      }
      const name = selection.name.value;
      if (name === '__typename') {
        typename ||= included && runs;
        continue;
      }
      const argument = selection.arguments?.find((a) => a.name.value === 'province')?.value;
      let code: unknown;
      // The query planner prints an ID literal such as "79" as the integer 79 (ID accepts both).
      if (argument?.kind === Kind.STRING || argument?.kind === Kind.INT) code = argument.value;
      else if (argument?.kind === Kind.VARIABLE) code = variables[argument.name.value];
      else return `the root field ${name} has no province argument given as a literal or a variable`;
      if (included && runs) fields.push({ field: selection, key: selection.alias?.value ?? name, code: typeof code === 'string' || typeof code === 'number' ? String(code) : '' });
    }
    return undefined;
  };
  const problem = read(operation.selectionSet.selections, true);
  return problem ?? { fields, typename };
}

/** Whether a selection's `@include` / `@skip` let it run, or why they cannot be read. */
function runsUnderDirectives(selection: SelectionNode, variables: Record<string, unknown>): boolean | string {
  let runs = true;
  for (const directive of selection.directives ?? []) {
    const name = directive.name.value;
    if (name !== 'include' && name !== 'skip') return `the directive @${name} at the root`;
    const value = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    const condition = value?.kind === Kind.BOOLEAN ? value.value : value?.kind === Kind.VARIABLE ? variables[value.name.value] : undefined;
    if (typeof condition !== 'boolean') return `@${name} without a boolean condition at the root`;
    if (condition !== (name === 'include')) runs = false;
  }
  return runs;
}

/**
 * A fetch the router cannot route: nothing is sent to any shard, and every field the fetch asked
 * for is null with an INTERNAL_SERVER_ERROR at its path. The gateway's own planner wrote the
 * fetch, so this is the hub's fault, not the caller's; the reason goes to the log.
 */
function refused(document: DocumentNode, reason: string, logger: Logger): GatewayGraphQLResponse {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const message = `The gateway could not route this request to the province shards: ${reason}`;
  const extensions = { code: 'INTERNAL_SERVER_ERROR' };
  const keys = operation ? responseKeys(operation.selectionSet, fragments) : [];
  // Not the document: its literals may be a caller's data (a task's note).
  logger.error({ reason, fields: keys }, 'province router refused a fetch it cannot route');
  return { errors: keys.length ? keys.map((key) => ({ message, path: [key], extensions })) : [{ message, extensions }] };
}

/**
 * The same operation with only some root fields, and only the variables and fragments those
 * fields use (GraphQL validation rejects unused ones).
 */
function restrictTo(document: DocumentNode, operation: OperationDefinitionNode, fields: FieldNode[]): DocumentNode {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const collect = (node: SelectionNode | FragmentDefinitionNode) =>
    visit(node, {
      Variable: (v) => void usedVariables.add(v.name.value),
      FragmentSpread: (spread) => {
        if (usedFragments.has(spread.name.value)) return;
        usedFragments.add(spread.name.value);
        const fragment = fragments.get(spread.name.value);
        if (fragment) collect(fragment);
      },
    });
  fields.forEach(collect);
  const restricted: OperationDefinitionNode = {
    ...operation,
    selectionSet: { ...operation.selectionSet, selections: fields },
    variableDefinitions: operation.variableDefinitions?.filter((v) => usedVariables.has(v.variable.name.value)),
  };
  return {
    ...document,
    definitions: [restricted, ...[...fragments.values()].filter((f) => usedFragments.has(f.name.value))],
  };
}
