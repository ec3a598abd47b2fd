import { hubError } from '../shared/errors.ts';
import { BoundedMap } from '../shared/bounded-map.ts';
import { GraphUnavailableError, type GraphClient } from '../shared/graph-client.ts';

/** What an upload names that the graph does not know: sites as `province:id`, people by id. */
export interface UnknownReferences {
  sites: Set<string>;
  people: Set<string>;
}

/** Checks an upload's testing sites and people; one call per upload at most. */
export type CheckReferences = (sites: ReadonlyArray<{ province: string; id: string }>, people: readonly string[]) => Promise<UnknownReferences>;

export const siteKey = (province: string, id: string) => `${province}:${id}`;

/** `knownPersonIds(ids)` takes at most 5,000 ids. */
const PEOPLE_PER_FIELD = 5_000;

export interface ReferenceCacheOptions {
  /** How long a province's list of sites is trusted; a site not in it refreshes the list anyway. */
  sitesTtlMs?: number;
  /** How long a person seen registered is not asked about again. */
  peopleTtlMs?: number;
  /** The most people remembered (the oldest are forgotten first). */
  maxPeople?: number;
  now?: () => number;
}

/**
 * Whether the testing sites (the province shards' `TestingSite`) and the people (declarations) an
 * upload names exist, asked through the gateway as the service role: the testing subgraph never
 * reads another subgraph's database. What was found is cached in the process (sites per province
 * for a minute, people for ten minutes), so a lab's steady uploads mostly ask nothing; what is
 * not cached, or a site missing from a cached list (it may be new), is asked in one GraphQL
 * request per upload (one aliased `province(code) { testingSites }` per province, `knownPersonIds(ids)`
 * in chunks: ids only, so declarations reads and audits no person for it). Nothing is cached as unknown: a site or person registered a second later is found
 * by the next upload. A province or the declarations subgraph that cannot answer fails the whole
 * upload (PROVINCE_UNAVAILABLE, SUBGRAPH_UNAVAILABLE) so the lab retries; nothing is stored.
 */
export class ReferenceCache {
  private readonly sites = new Map<string, { ids: Set<string>; at: number }>();
  private readonly people: BoundedMap<string, number>;
  private readonly sitesTtlMs: number;
  private readonly peopleTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly graph: GraphClient, options: ReferenceCacheOptions = {}) {
    this.sitesTtlMs = options.sitesTtlMs ?? 60_000;
    this.peopleTtlMs = options.peopleTtlMs ?? 10 * 60_000;
    this.people = new BoundedMap(options.maxPeople ?? 200_000);
    this.now = options.now ?? Date.now;
  }

  readonly check: CheckReferences = async (sites, people) => {
    const now = this.now();
    const provinces = [...new Set(sites.filter((s) => !this.siteKnown(s.province, s.id, now)).map((s) => s.province))];
    const unseen = [...new Set(people)].filter((id) => !((this.people.get(id) ?? -Infinity) > now - this.peopleTtlMs));
    for (const id of unseen) this.people.delete(id);
    if (provinces.length > 0 || unseen.length > 0) await this.ask(provinces, unseen, now);
    return {
      sites: new Set(sites.filter((s) => !this.sites.get(s.province)?.ids.has(s.id)).map((s) => siteKey(s.province, s.id))),
      people: new Set(unseen.filter((id) => !this.people.has(id))),
    };
  };

  private siteKnown(province: string, id: string, now: number): boolean {
    const entry = this.sites.get(province);
    return entry !== undefined && entry.at > now - this.sitesTtlMs && entry.ids.has(id);
  }

  private async ask(provinces: readonly string[], people: readonly string[], now: number): Promise<void> {
    const variables: Record<string, unknown> = {};
    const definitions: string[] = [];
    const fields: string[] = [];
    provinces.forEach((code, i) => {
      definitions.push(`$s${i}: ID!`);
      fields.push(`s${i}: province(code: $s${i}) { testingSites { id } }`);
      variables[`s${i}`] = code;
    });
    for (let i = 0; i * PEOPLE_PER_FIELD < people.length; i++) {
      definitions.push(`$p${i}: [ID!]!`);
      fields.push(`p${i}: knownPersonIds(ids: $p${i})`);
      variables[`p${i}`] = people.slice(i * PEOPLE_PER_FIELD, (i + 1) * PEOPLE_PER_FIELD);
    }
    type Answer = Record<string, { testingSites?: Array<{ id: string }> | null } | string[] | null>;
    let result;
    try {
      result = await this.graph.query<Answer>(`query TestingReferences(${definitions.join(', ')}) { ${fields.join(' ')} }`, variables);
    } catch (error) {
      if (error instanceof GraphUnavailableError) throw hubError('SUBGRAPH_UNAVAILABLE', `Could not check the upload's testing sites and people: ${error.message}. Nothing was stored; send it again.`);
      throw error;
    }
    const failed = (alias: string) => result.errors.some((e) => e.path?.[0] === alias) || result.data === null;
    provinces.forEach((code, i) => {
      const answer = result.data?.[`s${i}`] as { testingSites?: Array<{ id: string }> | null } | null | undefined;
      if (failed(`s${i}`) || (answer && !answer.testingSites)) {
        throw hubError('PROVINCE_UNAVAILABLE', `Province ${code} could not say which testing sites it has. Nothing was stored; send the upload again.`, { province: code });
      }
      // An unknown province answers null: it has no sites.
      this.sites.set(code, { ids: new Set((answer?.testingSites ?? []).map((s) => s.id.toLowerCase())), at: now });
    });
    for (let i = 0; i * PEOPLE_PER_FIELD < people.length; i++) {
      const answer = result.data?.[`p${i}`] as string[] | null | undefined;
      if (failed(`p${i}`) || !answer) {
        throw hubError('SUBGRAPH_UNAVAILABLE', 'The registry of people could not be asked. Nothing was stored; send the upload again.', { subgraph: 'declarations' });
      }
      for (const id of answer) this.remember(id.toLowerCase(), now);
    }
  }

  private remember(personId: string, now: number): void {
    // Set again, so the one dropped past the limit is the least recently confirmed.
    this.people.delete(personId);
    this.people.set(personId, now);
  }
}
