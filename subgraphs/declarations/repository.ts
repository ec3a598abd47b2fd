import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './db/schema.ts';
import type { BreakGlassGrantRow, HealthDeclarationRow, PersonRow } from './db/models.ts';
import { isUuid } from '../shared/validate.ts';
import { anyUuid } from '../shared/sql.ts';

export type DeclarationsDb = PostgresJsDatabase<typeof schema>;

/** A person as the resolvers see them: everything but the national ID hash, which never leaves the repository. */
export type PersonDto = Omit<PersonRow, 'nationalIdHash'>;
export type HealthDeclarationDto = HealthDeclarationRow;

const personColumns = {
  id: schema.people.id,
  fullName: schema.people.fullName,
  birthYear: schema.people.birthYear,
  phone: schema.people.phone,
  residenceWardCode: schema.people.residenceWardCode,
  residenceProvinceCode: schema.people.residenceProvinceCode,
  createdAt: schema.people.createdAt,
};

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

  /** Unknown and malformed ids are simply absent from the result (a malformed id cannot be stored). */
  byIds(ids: readonly string[]): Promise<PersonDto[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return Promise.resolve([]);
    return this.db.select(personColumns).from(schema.people).where(anyUuid(schema.people.id, valid));
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

export interface NewHealthDeclaration {
  id?: string | null;
  personId: string;
  kind: schema.DeclarationKind;
  symptoms: schema.Symptom[];
  travel: string | null;
  exposureNote: string | null;
  declaredAt: Date;
}

export type SubmitOutcome =
  | { status: 'submitted'; declaration: HealthDeclarationDto }
  /** The client id was used before for this person: a retry, answered with the stored declaration. */
  | { status: 'retried'; declaration: HealthDeclarationDto }
  | { status: 'person-not-found' }
  /** The client id was used before for another person's declaration. */
  | { status: 'id-taken' };

/** Health declarations (khai báo y tế). Every method that takes a list is one SQL statement. */
export class HealthDeclarationsRepository {
  constructor(private readonly db: DeclarationsDb) {}

  /** Declarations of many people at once, newest first within each person. */
  byPersonIds(personIds: readonly string[]): Promise<HealthDeclarationDto[]> {
    const valid = personIds.filter(isUuid);
    if (valid.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(schema.healthDeclarations)
      .where(anyUuid(schema.healthDeclarations.personId, valid))
      .orderBy(desc(schema.healthDeclarations.declaredAt), desc(schema.healthDeclarations.id));
  }

  async byId(id: string): Promise<HealthDeclarationDto | null> {
    const [row] = await this.db.select().from(schema.healthDeclarations).where(eq(schema.healthDeclarations.id, id));
    return row ?? null;
  }

  /**
   * One statement that inserts only if the person exists (INSERT … SELECT … FROM people) and does
   * nothing on a repeated id; then a read tells a retry from an unknown person. Nothing is written
   * for an unknown person, and a retried client id never makes a second row.
   */
  async submit(d: NewHealthDeclaration): Promise<SubmitOutcome> {
    const id = d.id ?? randomUUID();
    const t = schema.healthDeclarations;
    const p = schema.people;
    // insert … select lists every column of the table in its declared order:
    // id, person_id, kind, symptoms, travel, exposure_note, declared_at, created_at.
    const [inserted] = await this.db
      .insert(t)
      .select(
        sql`select ${id}::uuid, ${p.id}, ${d.kind}, ${sql.param(d.symptoms)}::text[], ${d.travel}::text,
                   ${d.exposureNote}::text, ${d.declaredAt.toISOString()}::timestamptz, now()
            from ${p} where ${p.id} = ${d.personId}`,
      )
      .onConflictDoNothing({ target: t.id })
      .returning();
    if (inserted) return { status: 'submitted', declaration: inserted };

    const existing = await this.byId(id);
    if (!existing) return { status: 'person-not-found' };
    return existing.personId === d.personId ? { status: 'retried', declaration: existing } : { status: 'id-taken' };
  }
}

export type BreakGlassGrantDto = BreakGlassGrantRow;

export interface NewBreakGlassGrant {
  officialSubject: string;
  officialProvinces: string[];
  personId: string;
  owningProvinceCode: string;
  reason: string;
  openedAt: Date;
  expiresAt: Date;
}

/** Break-the-glass grants: opened by province officials, listed for the owning province. */
export class BreakGlassRepository {
  constructor(private readonly db: DeclarationsDb) {}

  async open(grant: NewBreakGlassGrant): Promise<BreakGlassGrantDto> {
    const [row] = await this.db
      .insert(schema.breakGlassGrants)
      .values({ id: randomUUID(), ...grant })
      .returning();
    if (!row) throw new Error('inserting a break-the-glass grant returned no row');
    return row;
  }

  /** The official's grants for these people that are still in force at `now`, latest expiry first. */
  activeFor(officialSubject: string, personIds: readonly string[], now: Date): Promise<BreakGlassGrantDto[]> {
    const g = schema.breakGlassGrants;
    return this.db
      .select()
      .from(g)
      .where(and(eq(g.officialSubject, officialSubject), anyUuid(g.personId, personIds), gt(g.expiresAt, now)))
      .orderBy(desc(g.expiresAt));
  }

  /** Grants over people of one province, newest first; only those still in force when `activeAt` is given. */
  ofProvince(province: string, options: { activeAt: Date | null; limit: number }): Promise<BreakGlassGrantDto[]> {
    const g = schema.breakGlassGrants;
    const where = options.activeAt ? and(eq(g.owningProvinceCode, province), gt(g.expiresAt, options.activeAt)) : eq(g.owningProvinceCode, province);
    return this.db.select().from(g).where(where).orderBy(desc(g.openedAt), desc(g.id)).limit(options.limit);
  }
}

/** The audit trail of reads of personal data: the shared repository over the shared `audit_records` table. */
export { AuditRepository, type AuditRecordDto, type NewAuditRecord } from '../shared/audit.ts';
