import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { ContactDegree } from '../db/schema.ts';
import type { ContactRow, TracingDb } from '../db/models.ts';
import { NATIONWIDE, type ContactScope, type TracingAccess } from '../access.ts';
import { scopePlaceholders, scopePlaceholderValues, visibleCasesOfKind, visibleContacts, visibleContactsOfKind } from './visibility.ts';
import { anyUuid, keysMatch, keysValue, StatementsByShape, textArray, toDate, uuidArray } from '../../shared/sql.ts';
import { writeEvents } from '../../shared/outbox.ts';

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
  /** contactStatusByPersonIds' statement per shape (one person or more, the two scopes' kinds). */
  private readonly statusStatements: StatementsByShape<{ person_id: string; rank: number }>;

  constructor(private readonly db: TracingDb) {
    this.statusStatements = new StatementsByShape(db);
  }

  /** Contacts by id, whoever asks: the reader (reader.ts) decides each single read itself. */
  byIds(ids: readonly string[]): Promise<ContactRow[]> {
    return this.db.select().from(schema.contacts).where(anyUuid(schema.contacts.id, ids));
  }

  /**
   * Contacts of many cases that `visible` admits (the caller's scope, access.ts; the loaders always
   * pass it, the default serves the tracing worker), each case's ordered by degree (F1 first), then
   * classification time.
   */
  async byCaseIds(caseIds: readonly string[], visible: ContactScope = NATIONWIDE.contacts): Promise<ContactRow[]> {
    if (caseIds.length === 0 || visible.kind === 'NONE') return [];
    return this.db
      .select()
      .from(schema.contacts)
      .where(and(anyUuid(schema.contacts.caseId, caseIds), visibleContacts(visible)))
      .orderBy(asc(schema.contacts.caseId), asc(schema.contacts.degree), asc(schema.contacts.classifiedAt), asc(schema.contacts.id));
  }

  /** The distinct known home provinces of each case's contacts (what the policy needs to judge a case). */
  async homeProvincesByCaseIds(caseIds: readonly string[]): Promise<Array<{ caseId: string; provinceCode: string }>> {
    if (caseIds.length === 0) return [];
    const rows = await this.db
      .selectDistinct({ caseId: schema.contacts.caseId, provinceCode: schema.contacts.homeProvinceCode })
      .from(schema.contacts)
      .where(and(anyUuid(schema.contacts.caseId, caseIds), isNotNull(schema.contacts.homeProvinceCode)));
    return rows.flatMap((r) => (r.provinceCode ? [{ caseId: r.caseId, provinceCode: r.provinceCode }] : []));
  }

  /**
   * Stores where each contact lives, as the tracing run learned it when placing their tracing
   * tasks: ONE UPDATE for the whole case, which changes only rows whose value differs, so a re-run
   * is a no-op. A contact whose residence is unknown now keeps what was stored before. A contact
   * placed for the first time is published (`contact.found`, in their home province) in the same transaction.
   */
  async recordHomeProvinces(caseId: string, homes: ReadonlyArray<{ contactId: string; provinceCode: string }>): Promise<number> {
    if (homes.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      const updated = await tx.execute<{ id: string; degree: ContactDegree; classified_at: string; province_code: string; previous: string | null }>(sql`
        update contacts c set home_province_code = h.province_code
        from unnest(${sql.param(homes.map((h) => h.contactId))}::uuid[], ${sql.param(homes.map((h) => h.provinceCode))}::text[]) as h(contact_id, province_code),
             contacts old
        where c.id = h.contact_id and old.id = c.id
          and c.case_id = ${caseId}::uuid
          and c.home_province_code is distinct from h.province_code
        returning c.id, c.degree, c.classified_at, h.province_code, old.home_province_code as previous`);
      await writeEvents(tx, updated.filter((r) => r.previous === null).map((r) => ({
        type: 'contact.found' as const, occurredAt: toDate(r.classified_at), province: r.province_code, ward: null,
        payload: { contactId: r.id, caseId, degree: r.degree },
      })));
      return updated.length;
    });
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
    // A crowd's contacts as one row of arrays (a constant-size statement), not thousands of bound rows.
    const column = <K extends keyof (typeof values)[number]>(key: K) => values.map((v) => v[key]);
    const times = (key: 'overlapStart' | 'overlapEnd') => textArray(values.map((v) => v[key].toISOString()));
    return this.db
      .insert(schema.contacts)
      .select(sql`
        select gen_random_uuid(), ${caseId}::uuid, u.person_id, u.degree, u.via_person_id, u.venue_id,
               u.overlap_start, u.overlap_end, u.overlap_minutes, u.rule_name, now(), null::varchar
        from unnest(${uuidArray(column('personId'))}, ${textArray(column('degree'))}, ${sql.param(column('viaPersonId'))}::uuid[],
                    ${uuidArray(column('venueId'))}, ${times('overlapStart')}::timestamptz[], ${times('overlapEnd')}::timestamptz[],
                    ${sql.param(column('overlapMinutes'))}::int[], ${textArray(column('ruleName'))})
             with ordinality as u(person_id, degree, via_person_id, venue_id, overlap_start, overlap_end, overlap_minutes, rule_name, n)
        order by u.n`)
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
   * person is a case, 1 for any F1 row, 2 for any F2 row; people with no row are NONE. Only the
   * cases and contacts `visible` admits count (the caller's scopes, access.ts; the loaders always
   * pass them): an official's answer reflects only what lies within their jurisdiction.
   */
  async contactStatusByPersonIds(personIds: readonly string[], visible: TracingAccess = NATIONWIDE): Promise<Map<string, PersonContactStatus>> {
    const result = new Map<string, PersonContactStatus>();
    if (personIds.length === 0) return result;
    const { cases, contacts } = visible;
    if (cases.kind === 'NONE' && contacts.kind === 'NONE') return result;
    const values = { keys: keysValue(personIds), ...scopePlaceholderValues('cases', cases), ...scopePlaceholderValues('contacts', contacts) };
    const one = personIds.length === 1;
    const rows = await this.statusStatements.run(`${one ? 'one' : 'many'}_${cases.kind}_${contacts.kind}`, () => {
      const parts = [];
      if (cases.kind !== 'NONE') {
        parts.push(sql`select ${schema.cases.personId} as person_id, 0 as rank from ${schema.cases}
          where ${and(keysMatch(schema.cases.personId, one, 'uuid'), visibleCasesOfKind(cases.kind, scopePlaceholders('cases')))}`);
      }
      if (contacts.kind !== 'NONE') {
        parts.push(sql`select ${schema.contacts.personId}, case when ${schema.contacts.degree} = 'F1' then 1 else 2 end
          from ${schema.contacts} where ${and(keysMatch(schema.contacts.personId, one, 'uuid'), visibleContactsOfKind(contacts.kind, scopePlaceholders('contacts')))}`);
      }
      return sql`
        select person_id, min(rank)::int as rank from (
          ${sql.join(parts, sql` union all `)}
        ) ranked
        group by person_id`;
    }, values);
    const byRank: PersonContactStatus[] = ['F0', 'F1', 'F2'];
    for (const row of rows) result.set(row.person_id, byRank[row.rank] ?? 'NONE');
    return result;
  }
}
