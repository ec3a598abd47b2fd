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
import type { GatewayContext } from './auth.ts';
import { createSubgraphFetcher, HubDataSource } from './data-source.ts';
import type { ProvinceRegistry } from './province-registry.ts';

type Options = GraphQLDataSourceProcessOptions<GatewayContext>;
type Representation = Record<string, unknown> & { __typename?: string };

const PROVINCE_CODE = /^\d{2}$/;

/**
 * The data source of the `province` subgraph: one schema, one deployment per province. It sends
 * each part of a fetch to the province it belongs to, in parallel, and puts the answers back
 * together, so a nationwide query is one GraphQL query for the caller:
 * - `_entities`: representations are grouped by `Province.code` or the `provinceCode` key field;
 *   results return in the original order, with error paths re-indexed;
 * - root fields: routed by their `province` argument (several provinces in one fetch are split);
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
  ) {
    this.fetcher = createSubgraphFetcher(timeoutMs);
  }

  async process(options: Options): Promise<GatewayGraphQLResponse> {
    const representations = options.request.variables?.representations;
    if (Array.isArray(representations)) return this.processEntities(options, representations as Representation[]);
    return this.processRootFields(options);
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
        const outcome = await this.send(code, options, { variables });
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

  private async processRootFields(options: Options): Promise<GatewayGraphQLResponse> {
    const query = options.request.query ?? '';
    const document = this.parse(query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!operation) return { errors: [unavailable('', 'No operation to route', [])] };
    const variables = options.request.variables ?? {};

    const groups = new Map<string, FieldNode[]>();
    const errors: GraphQLFormattedError[] = [];
    const data: Record<string, unknown> = {};
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') continue;
      const code = provinceArgument(selection, variables);
      const key = selection.alias?.value ?? selection.name.value;
      if (!code || !PROVINCE_CODE.test(code)) {
        data[key] = null;
        errors.push(unavailable(code ?? '', 'the province argument must be a two-digit province code', [key]));
        continue;
      }
      groups.set(code, [...(groups.get(code) ?? []), selection]);
    }
    if (operation.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename')) {
      data.__typename = operation.operation === 'mutation' ? 'Mutation' : 'Query';
    }

    const routed = [...groups.values()].reduce((n, fields) => n + fields.length, 0);
    const rootFields = operation.selectionSet.selections.filter((s) => !(s.kind === Kind.FIELD && s.name.value === '__typename')).length;
    await Promise.all(
      [...groups].map(async ([code, fields]) => {
        // The common case (every root field for one province) forwards the fetch unchanged.
        const request = fields.length === rootFields && routed === rootFields ? {} : { query: print(restrictTo(document, operation, fields)) };
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
      }),
    );
    return { data, ...(errors.length ? { errors } : {}) };
  }

  private async send(
    code: string,
    options: Options,
    change: { variables?: Record<string, unknown>; query?: string },
  ): Promise<{ ok: true; response: GatewayGraphQLResponse } | { ok: false; reason: string }> {
    const url = this.registry.urlFor(code);
    if (!url) return { ok: false, reason: 'it is not registered with the hub' };
    try {
      // A fresh request object per shard: the data source writes its HTTP headers onto it.
      const request = { ...options.request, ...change, http: undefined };
      const response = await this.shard(url).process({ ...options, request } as Options);
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

function provinceArgument(field: FieldNode, variables: Record<string, unknown>): string | undefined {
  const argument = field.arguments?.find((a) => a.name.value === 'province');
  if (!argument) return undefined;
  // The query planner prints an ID literal such as "79" as the integer 79 (ID accepts both).
  if (argument.value.kind === Kind.STRING || argument.value.kind === Kind.INT) return argument.value.value;
  if (argument.value.kind === Kind.VARIABLE) {
    const value = variables[argument.value.name.value];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
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
