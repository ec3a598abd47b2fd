import DataLoader from 'dataloader';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { hubError } from '../shared/errors.ts';
import { fieldSelector } from '../shared/selection.ts';
import type { Identity } from '../shared/identity.ts';
import { isUuid } from '../shared/validate.ts';
import { auditOutcome, decide, mask, mayCheckRegistration, mayUseGrant, type ActiveGrant, type PersonView } from './access.ts';
import { requestedPersonFields, type AuditTrail } from './audit.ts';
import type { BreakGlassGrantsRepository, PeopleRepository, PersonDto } from './repositories/index.ts';

const declarationsAsked = fieldSelector('Person', ['declarations']);

export interface PersonReaderDeps {
  identity: Identity;
  /** The request's DataLoader of person rows by id (loaders.ts). */
  rows: DataLoader<string, PersonDto | null>;
  /** The same, with each person's declarations read in the same statement (loaders.ts `personWithDeclarations`). */
  rowsWithDeclarations: DataLoader<string, PersonDto | null>;
  people: PeopleRepository;
  grants: BreakGlassGrantsRepository;
  /** The request's audit records; null switches policy and audit off (the benchmark's baseline only). */
  audit: AuditTrail;
  now: () => Date;
}

/**
 * The only way resolvers read people: every person, whatever path reached them (`person`,
 * `people`, `findPerson`, `_entities`, a declaration's person, a mutation's answer), comes through
 * here, is decided by the policy (access.ts), masked, and audited once per request. Rows never
 * reach a resolver unmasked. A refused single read throws FORBIDDEN (the field answers null).
 */
export class PersonReader {
  private readonly grantOf: DataLoader<string, ActiveGrant | null>;

  constructor(private readonly deps: PersonReaderDeps) {
    // One query for all the people of a request that need a grant (province officials, outside their jurisdiction).
    this.grantOf = new DataLoader(async (personIds) => {
      const rows = await deps.grants.activeFor(deps.identity.subject, personIds, deps.now());
      const byPerson = new Map<string, ActiveGrant>();
      for (const g of rows) if (!byPerson.has(g.personId)) byPerson.set(g.personId, { id: g.id, reason: g.reason });
      return personIds.map((id) => byPerson.get(id) ?? null);
    });
  }

  /**
   * One person by id: null when there is none; FORBIDDEN when the caller may not read them. When
   * the selection asks for their declarations, these are read with the row (one statement instead
   * of two in a row); the `declarations` field still shows them only if the decision lets it.
   */
  async byId(id: string, info: GraphQLResolveInfo): Promise<PersonView | null> {
    if (!isUuid(id)) return null;
    const rows = declarationsAsked(info).length > 0 ? this.deps.rowsWithDeclarations : this.deps.rows;
    return this.admit(await rows.load(id.toLowerCase()), info);
  }

  /**
   * Which of these ids are registered, for the hub's services (else FORBIDDEN). No person is read
   * (no field, no row reaches the caller beyond the id it sent), so nothing is audited: a
   * per-person record here would be one audit row per person of every lab upload.
   */
  async knownIds(ids: readonly string[]): Promise<string[]> {
    if (!mayCheckRegistration(this.deps.identity)) throw hubError('FORBIDDEN', 'knownPersonIds is for the hub\'s services; read people with person or people.');
    return this.deps.people.knownIds(ids);
  }

  /** Many people by id, in order: a person, null (unknown) or a FORBIDDEN error at each position. */
  byIds(ids: readonly string[], info: GraphQLResolveInfo): Promise<Array<PersonView | GraphQLError | null>> {
    return Promise.all(ids.map((id) => this.byId(id, info).catch((error: unknown) => (error instanceof GraphQLError ? error : Promise.reject(error)))));
  }

  byPhone(phone: string, info: GraphQLResolveInfo): Promise<PersonView | null> {
    return this.deps.people.byPhone(phone).then((row) => this.admit(this.primed(row), info));
  }

  /** The national ID is looked up by its keyed hash only (the caller hashes it). */
  byNationalIdHash(hash: string, info: GraphQLResolveInfo): Promise<PersonView | null> {
    return this.deps.people.byNationalIdHash(hash).then((row) => this.admit(this.primed(row), info));
  }

  /** A person row a mutation produced (registered, or already registered), read back for its answer. */
  fromRow(row: PersonDto, info: GraphQLResolveInfo): Promise<PersonView | null> {
    return this.admit(this.primed(row), info);
  }

  /** A grant opened in this request counts for the rest of it. */
  grantOpened(personId: string, grant: ActiveGrant): void {
    this.grantOf.clear(personId).prime(personId, grant);
  }

  /** Later reads of the same person in this request use the row already loaded. */
  private primed(row: PersonDto | null): PersonDto | null {
    if (row) this.deps.rows.prime(row.id, row);
    return row;
  }

  private async admit(row: PersonDto | null, info: GraphQLResolveInfo): Promise<PersonView | null> {
    if (!row) return null;
    const { audit, identity } = this.deps;
    const grant = mayUseGrant(identity, row) ? await this.grantOf.load(row.id) : null;
    const decision = decide(identity, row, grant);
    const requested = requestedPersonFields(info);
    const { outcome, masked } = auditOutcome(decision, requested);
    audit.record(row.id, outcome, requested, masked, decision.outcome === 'VISIBLE' ? decision.grant : null);
    if (decision.outcome === 'DENIED') throw hubError('FORBIDDEN', decision.why);
    return mask(row, decision.visible);
  }
}
