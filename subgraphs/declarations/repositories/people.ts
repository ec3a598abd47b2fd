import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { DeclarationsDb, HealthDeclarationRow, PersonRow } from '../db/models.ts';
import { isUuid } from '../../shared/validate.ts';
import { anyUuid, lookupByKeys } from '../../shared/sql.ts';

/** A person as the resolvers see them: everything but the national ID hash, which never leaves the repository. */
export type PersonDto = Omit<PersonRow, 'nationalIdHash'>;

const personColumns = {
  id: schema.people.id,
  fullName: schema.people.fullName,
  birthYear: schema.people.birthYear,
  phone: schema.people.phone,
  residenceWardCode: schema.people.residenceWardCode,
  residenceProvinceCode: schema.people.residenceProvinceCode,
  createdAt: schema.people.createdAt,
};

export type PersonWithDeclarations = PersonDto & { declarations: HealthDeclarationRow[] };

/** A declaration as `byIdsWithDeclarations` carries it: id, kind, symptoms, travel, exposure note, declared at, created at. */
type DeclarationJson = [string, HealthDeclarationRow['kind'], HealthDeclarationRow['symptoms'], string | null, string | null, string, string];

export interface NewPerson {
  /** The client's UUID for idempotent retries; a new one is made when absent. */
  id?: string | null;
  fullName: string;
  birthYear: number;
  phone: string;
  nationalIdHash: string | null;
  residenceWardCode: string;
  residenceProvinceCode: string;
}

export type RegisterOutcome =
  | { status: 'registered'; person: PersonDto }
  /** The client id was used before: a retry, answered with the person it registered. */
  | { status: 'retried'; person: PersonDto }
  /** Someone is already registered under this national ID (another client id). */
  | { status: 'national-id-taken'; person: PersonDto };

/** People: registration and look-ups. Every method that takes a list is one SQL statement. */
export class PeopleRepository {
  constructor(private readonly db: DeclarationsDb) {}

  private readonly byIdsQuery = lookupByKeys('uuid', (matches, name) =>
    this.db.select(personColumns).from(schema.people).where(matches(schema.people.id)).prepare(name('people_by_ids')),
  );

  /** Unknown and malformed ids are simply absent from the result (a malformed id cannot be stored). */
  byIds(ids: readonly string[]): Promise<PersonDto[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return Promise.resolve([]);
    return this.byIdsQuery(valid);
  }

  /**
   * People by id each with their declarations, newest first (what `byIds` and
   * HealthDeclarationsRepository `byPersonIds` give), in ONE statement: a person card asks for both,
   * and the second statement cost as much as the first (issue 17). The declarations travel as one
   * JSON array of arrays per person, read back into the rows drizzle gives.
   */
  byIdsWithDeclarations(ids: readonly string[]): Promise<PersonWithDeclarations[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return Promise.resolve([]);
    return this.withDeclarationsQuery(valid).then((rows) =>
      rows.map(({ declarations, ...person }) => ({
        ...person,
        declarations: declarations.map(([id, kind, symptoms, travel, exposureNote, declaredAt, createdAt]) => ({
          id, personId: person.id, kind, symptoms, travel, exposureNote, declaredAt: new Date(declaredAt), createdAt: new Date(createdAt),
        })),
      })),
    );
  }

  private readonly withDeclarationsQuery = lookupByKeys('uuid', (matches, name) =>
    this.db
      .select({
        ...personColumns,
        declarations: sql<DeclarationJson[]>`coalesce((
          select json_agg(json_build_array(d.id, d.kind, d.symptoms, d.travel, d.exposure_note, d.declared_at, d.created_at) order by d.declared_at desc, d.id desc)
          from health_declarations d where d.person_id = people.id), '[]'::json)`,
      })
      .from(schema.people)
      .where(matches(schema.people.id))
      .prepare(name('people_with_declarations_by_ids')),
  );

  /** Which of these ids are registered people: ids only, one statement on the primary key. */
  async knownIds(ids: readonly string[]): Promise<string[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await this.db.select({ id: schema.people.id }).from(schema.people).where(anyUuid(schema.people.id, valid));
    return rows.map((r) => r.id);
  }

  /**
   * Several people may share a phone (a family phone): the one registered first is returned, so the
   * answer does not change when another member of the family registers later.
   */
  async byPhone(phone: string): Promise<PersonDto | null> {
    const [row] = await this.db
      .select(personColumns)
      .from(schema.people)
      .where(eq(schema.people.phone, phone))
      .orderBy(asc(schema.people.createdAt), asc(schema.people.id))
      .limit(1);
    return row ?? null;
  }

  async byNationalIdHash(hash: string): Promise<PersonDto | null> {
    const [row] = await this.db.select(personColumns).from(schema.people).where(eq(schema.people.nationalIdHash, hash));
    return row ?? null;
  }

  /**
   * One INSERT … ON CONFLICT DO NOTHING (on the id and on the national ID hash), then a read to say
   * which conflict it was. Concurrent retries and duplicate registrations never make a second row.
   */
  async register(person: NewPerson): Promise<RegisterOutcome> {
    const id = person.id ?? randomUUID();
    const [inserted] = await this.db
      .insert(schema.people)
      .values({ ...person, id })
      .onConflictDoNothing()
      .returning(personColumns);
    if (inserted) return { status: 'registered', person: inserted };

    const [sameId] = await this.byIds([id]);
    if (sameId) return { status: 'retried', person: sameId };
    const sameNationalId = person.nationalIdHash ? await this.byNationalIdHash(person.nationalIdHash) : null;
    if (sameNationalId) return { status: 'national-id-taken', person: sameNationalId };
    // Only reachable if the conflicting row was deleted in between; people are never deleted.
    throw new Error(`person ${id} conflicted on insert but no conflicting row was found`);
  }
}
