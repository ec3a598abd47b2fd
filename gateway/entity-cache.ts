import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { countEntityCache } from '../subgraphs/shared/metrics.ts';
import { BoundedMap } from '../subgraphs/shared/bounded-map.ts';
import { entitiesFieldOf } from '../subgraphs/shared/selection.ts';
import type { GatewayContext } from './auth.ts';

type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;
type Send = (options: ProcessOptions) => Promise<GatewayGraphQLResponse>;

/**
 * Entities a subgraph says are the same for every caller, kept by the gateway for as long as the
 * subgraph says (what Apollo Router's and Cosmo's entity caches do). The subgraph decides: its
 * answer to an entity fetch says `cache-control: public, max-age=N` (shared/subgraph.ts
 * `publicEntities`: units' wards and provinces) or nothing here is kept. Each representation is
 * kept apart under the fetch's selection, so a later fetch for another set of wards still finds the
 * ones it shares; only the representations not found are sent, and the answer is put together in
 * the order the gateway asked.
 *
 * Kept as JSON text and parsed for each use: the gateway merges later fetches into the objects it
 * receives (a ward's province gets its shard's hotline), which must not change what is kept.
 * An answer with any error keeps nothing. A mutation sent to a subgraph drops what was kept of it.
 */
export class EntityCache {
  private readonly entries = new Map<string, { json: string; expires: number }>();
  /** Subgraphs that have answered `public` at least once: the others are not looked up at all. */
  private readonly publicSubgraphs = new Set<string>();
  /** What each fetch is (readFetch), by the query's text. */
  private readonly fetches = new BoundedMap<string, string | typeof MUTATION | typeof OTHER>(MAX_QUERIES);

  constructor(
    private readonly maxEntries = 20_000,
    private readonly now: () => number = Date.now,
  ) {}

  async process(subgraph: string, options: ProcessOptions, send: Send): Promise<GatewayGraphQLResponse> {
    const representations = options.request.variables?.representations;
    const fetch = this.readFetch(options);
    if (fetch === MUTATION) return this.mutating(subgraph, () => send(options));
    if (!Array.isArray(representations) || fetch === OTHER) return send(options);
    const keysOf = (indexes: readonly number[]) => {
      const selection = this.selectionOf(subgraph, options);
      return indexes.map((index) => `${selection}\u0000${JSON.stringify(representations[index])}`);
    };
    const all = representations.map((_, index) => index);
    // A subgraph that has never said `public` is asked as usual; its answer is only looked at.
    if (!this.publicSubgraphs.has(subgraph)) {
      const response = await send(options);
      this.keep(subgraph, response, () => keysOf(all));
      return response;
    }

    const keys = keysOf(all);
    const found: unknown[] = [];
    const missing: number[] = [];
    const now = this.now();
    keys.forEach((key, index) => {
      const entry = this.entries.get(key);
      if (entry && entry.expires > now) found[index] = JSON.parse(entry.json);
      else {
        if (entry) this.entries.delete(key);
        missing.push(index);
      }
    });
    countEntityCache(subgraph, representations.length - missing.length, missing.length);
    if (missing.length === 0) return { data: { _entities: found } };

    const whole = missing.length === representations.length;
    const response = await send(whole ? options : withRepresentations(options, missing.map((i) => representations[i])));
    this.keep(subgraph, response, () => missing.map((i) => keys[i]!));
    if (whole) return response;

    const received = (response.data as { _entities?: unknown[] } | null | undefined)?._entities;
    missing.forEach((index, position) => (found[index] = received?.[position] ?? null));
    // The subgraph's error paths count the representations it was sent: `_entities`, i, …
    const errors = response.errors?.map((error) =>
      error.path?.[0] === '_entities' && typeof error.path[1] === 'number' ? { ...error, path: ['_entities', missing[error.path[1]] ?? error.path[1], ...error.path.slice(2)] } : error,
    );
    return { ...response, data: { _entities: found }, ...(errors ? { errors } : {}) };
  }

  /** Keeps each received entity when the answer says it may be shared and has no error. */
  private keep(subgraph: string, response: GatewayGraphQLResponse, keysOf: () => string[]): void {
    const maxAge = publicMaxAge(response.http?.headers.get('cache-control'));
    if (maxAge === undefined || response.errors?.length) return;
    const received = (response.data as { _entities?: unknown[] } | null | undefined)?._entities;
    const keys = keysOf();
    if (!Array.isArray(received) || received.length !== keys.length) return;
    this.publicSubgraphs.add(subgraph);
    const expires = this.now() + maxAge * 1000;
    keys.forEach((key, index) => {
      this.entries.delete(key);
      this.entries.set(key, { json: JSON.stringify(received[index] ?? null), expires });
    });
    // The oldest kept first in the map's order: dropped first when it is full.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }

  /**
   * Runs a mutation sent to `subgraph`, dropping every entity kept of it before and after: what
   * the mutation changed is asked afresh by this gateway's next read (other gateways keep theirs
   * until it expires).
   */
  async mutating<T>(subgraph: string, send: () => Promise<T>): Promise<T> {
    this.forget(subgraph);
    try {
      return await send();
    } finally {
      this.forget(subgraph);
    }
  }

  private forget(subgraph: string): void {
    if (!this.publicSubgraphs.has(subgraph)) return;
    const prefix = `${subgraph}\u0000`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  /** What a fetch is (an `_entities` query's selection, a mutation, or anything else), read once per query text. */
  private readFetch(options: ProcessOptions): string | typeof MUTATION | typeof OTHER {
    const query = options.request.query;
    if (!query) return OTHER;
    let fetch = this.fetches.get(query);
    if (fetch === undefined) {
      fetch = readFetch(query);
      this.fetches.set(query, fetch);
    }
    return fetch;
  }

  /** What distinguishes one entity fetch's answers from another's besides the representation: the subgraph, the selection, the other variables. */
  private selectionOf(subgraph: string, options: ProcessOptions): string {
    const { representations: _, ...others } = options.request.variables ?? {};
    return `${subgraph}\u0000${this.fetches.get(options.request.query!) as string}\u0000${JSON.stringify(others)}`;
  }
}

/** Distinct subgraph queries whose reading is kept (the gateway plans a few hundred at most). */
const MAX_QUERIES = 1_000;

const MUTATION = Symbol('mutation');
const OTHER = Symbol('other');

/**
 * The query of an entity fetch (selection.ts `entitiesFieldOf`) without its operation name, which
 * the planner takes from the client's operation; MUTATION for a mutation; OTHER for any other
 * fetch. The gateway hands the data source the query's text only (no document unless the planner
 * is told to keep them), so the text is read.
 */
function readFetch(query: string): string | typeof MUTATION | typeof OTHER {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return OTHER;
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.some((o) => o.operation === 'mutation')) return MUTATION;
  if (operations.length !== 1 || !entitiesFieldOf(operations[0]!)) return OTHER;
  const name = operations[0]!.name?.value;
  return name ? query.replace(new RegExp(`^(\\s*query\\s+)${name}`), '$1') : query;
}

function withRepresentations(options: ProcessOptions, representations: unknown[]): ProcessOptions {
  return { ...options, request: { ...options.request, variables: { ...options.request.variables, representations } } };
}

/** N of `public, max-age=N` (N > 0); undefined for any other cache-control (private, no-store, absent). */
function publicMaxAge(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const directives = header.toLowerCase().split(',').map((d) => d.trim());
  if (!directives.includes('public') || directives.some((d) => d === 'private' || d === 'no-store' || d === 'no-cache')) return undefined;
  const maxAge = Number(/^max-age=(\d+)$/.exec(directives.find((d) => d.startsWith('max-age=')) ?? '')?.[1] ?? 0);
  return maxAge > 0 ? maxAge : undefined;
}
