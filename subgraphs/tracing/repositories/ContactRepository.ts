import { asc, eq, inArray, sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { ContactDegree } from '../db/schema.ts';
import type { ContactRow, TracingDb } from '../db/models.ts';

/** A contact as the tracing worker found it: one exposure (shared venue time) that qualified. */
export interface ContactInput {
  personId: string;
  degree: ContactDegree;
  /** For an F2: the F1 through whom they were exposed. Must be null/absent for an F1. */
  viaPersonId?: string | null;
  venueId: string;
  overlapStart: Date;
  overlapEnd: Date;
  overlapMinutes: number;
  /** Defaults to the rule of the case. */
  ruleName?: string;
}

/** The strongest status of a person across all cases: F0 (is a case), else F1, else F2, else NONE. */
export type PersonContactStatus = 'NONE' | 'F0' | 'F1' | 'F2';

const DEGREE_ORDER: Record<ContactDegree, number> = { F1: 0, F2: 1 };

/** Contacts (F1/F2) of cases: read in batches; written idempotently by the tracing worker. */
export class ContactRepository {
  constructor(private readonly db: TracingDb) {}

  byIds(ids: readonly string[]): Promise<ContactRow[]> {
    return this.db.select().from(schema.contacts).where(inArray(schema.contacts.id, [...ids]));
  }

  /** Contacts of many cases, each case's ordered by degree (F1 first), then classification time. */
  byCaseIds(caseIds: readonly string[]): Promise<ContactRow[]> {
    return this.db
      .select()
      .from(schema.contacts)
      .where(inArray(schema.contacts.caseId, [...caseIds]))
      .orderBy(asc(schema.contacts.caseId), asc(schema.contacts.degree), asc(schema.contacts.classifiedAt), asc(schema.contacts.id));
  }

  /**
   * Writes a case's contacts in ONE multi-row `INSERT … ON CONFLICT (case_id, person_id) DO NOTHING`,
   * so a re-run of the worker changes nothing. A person is classified once per case at the
   * strongest degree: F1 rows go first (within the batch and before any later F2 run), and the
   * case's own person is never classified. Returns the rows actually inserted.
   */
  async upsertContacts(caseId: string, rows: readonly ContactInput[]): Promise<ContactRow[]> {
    const [owner] = await this.db
      .select({ personId: schema.cases.personId, ruleName: schema.cases.ruleName })
      .from(schema.cases)
      .where(eq(schema.cases.id, caseId));
    if (!owner) throw new Error(`upsertContacts: case ${caseId} does not exist`);

    const seen = new Set<string>([owner.personId]);
    const values = [...rows]
      .sort((a, b) => DEGREE_ORDER[a.degree] - DEGREE_ORDER[b.degree]) // stable: keeps the worker's order within a degree
      .filter((row) => (seen.has(row.personId) ? false : (seen.add(row.personId), true)))
      .map((row) => ({
        caseId,
        personId: row.personId,
        degree: row.degree,
        viaPersonId: row.degree === 'F1' ? null : (row.viaPersonId ?? null),
        venueId: row.venueId,
        overlapStart: row.overlapStart,
        overlapEnd: row.overlapEnd,
        overlapMinutes: row.overlapMinutes,
        ruleName: row.ruleName ?? owner.ruleName,
      }));
    if (values.length === 0) return [];
    return this.db
      .insert(schema.contacts)
      .values(values)
      .onConflictDoNothing({ target: [schema.contacts.caseId, schema.contacts.personId] })
      .returning();
  }

  /** How many F1 and F2 contacts a case has (what the worker reports when a run succeeds). */
  async countsByCase(caseId: string): Promise<{ f1Count: number; f2Count: number }> {
    const [row] = await this.db
      .select({
        f1Count: sql<number>`count(*) filter (where ${schema.contacts.degree} = 'F1')::int`,
        f2Count: sql<number>`count(*) filter (where ${schema.contacts.degree} = 'F2')::int`,
      })
      .from(schema.contacts)
      .where(eq(schema.contacts.caseId, caseId));
    return { f1Count: row?.f1Count ?? 0, f2Count: row?.f2Count ?? 0 };
  }

  /**
   * The strongest status of each person, in ONE statement for the whole batch: rank 0 if the
   * person is a case, 1 for any F1 row, 2 for any F2 row; people with no row are NONE.
   */
  async contactStatusByPersonIds(personIds: readonly string[]): Promise<Map<string, PersonContactStatus>> {
    const result = new Map<string, PersonContactStatus>();
    if (personIds.length === 0) return result;
    const ids = [...personIds];
    const rows = await this.db.execute<{ person_id: string; rank: number }>(sql`
      select person_id, min(rank)::int as rank from (
        select ${schema.cases.personId} as person_id, 0 as rank from ${schema.cases} where ${inArray(schema.cases.personId, ids)}
        union all
        select ${schema.contacts.personId}, case when ${schema.contacts.degree} = 'F1' then 1 else 2 end
        from ${schema.contacts} where ${inArray(schema.contacts.personId, ids)}
      ) ranked
      group by person_id`);
    const byRank: PersonContactStatus[] = ['F0', 'F1', 'F2'];
    for (const row of rows) result.set(row.person_id, byRank[row.rank] ?? 'NONE');
    return result;
  }
}
