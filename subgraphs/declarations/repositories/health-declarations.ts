import { randomUUID } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { DeclarationsDb, HealthDeclarationRow } from '../db/models.ts';
import { isUuid } from '../../shared/validate.ts';
import { lookupByKeys } from '../../shared/sql.ts';

export type HealthDeclarationDto = HealthDeclarationRow;

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

  private readonly byPersonIdsQuery = lookupByKeys('uuid', (matches, name) =>
    this.db
      .select()
      .from(schema.healthDeclarations)
      .where(matches(schema.healthDeclarations.personId))
      .orderBy(desc(schema.healthDeclarations.declaredAt), desc(schema.healthDeclarations.id))
      .prepare(name('health_declarations_by_person_ids')),
  );

  /** Declarations of many people at once, newest first within each person. */
  byPersonIds(personIds: readonly string[]): Promise<HealthDeclarationDto[]> {
    const valid = personIds.filter(isUuid);
    if (valid.length === 0) return Promise.resolve([]);
    return this.byPersonIdsQuery(valid);
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
