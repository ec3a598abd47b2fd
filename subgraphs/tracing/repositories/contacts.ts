import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { ContactDegree } from '../db/schema.ts';
import type { CaseRow, ContactRow, TracingDb } from '../db/models.ts';
import { NATIONWIDE, type ContactScope, type TracingAccess } from '../access.ts';
import { scopePlaceholders, scopePlaceholderValues, visibleCasesOfKind, visibleContacts, visibleContactsOfKind } from './visibility.ts';
import { anyUuid, keysValue, StatementsByShape, textArray, toDate, toDateOrNull, uuidArray } from '../../shared/sql.ts';
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

/** A person's cases and strongest status, over what the caller may see (healthByPersonIds). */
export interface PersonHealth {
  cases: CaseRow[];
  status: PersonContactStatus;
}

/** A case as healthByPersonIds carries it: the columns of CaseRow but the person's id, in table order, dates as JSON text. */
type CaseJson = [string, string, string, string | null, string, string, string, string[], CaseRow['status'], string | null, string | null, string | null, string];

const DEGREE_ORDER: Record<ContactDegree, number> = { F1: 0, F2: 1 };

/** Contacts (F1/F2) of cases: read in batches; written idempotently by the tracing worker. */
export class ContactRepository {
  /** healthByPersonIds' statement per shape (one person or more, the two scopes' kinds). */
  private readonly healthStatements: StatementsByShape<{ person_id: string; cases: CaseJson[]; contact_rank: number | null }>;

  constructor(private readonly db: TracingDb) {
    this.healthStatements = new StatementsByShape(db);
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
   * Each person's cases that `visible.cases` admits, newest confirmation first, and their strongest
   * status over what `visible` admits: F0 with any such case, else F1 for any F1 row, F2 for any F2
   * row, else NONE. ONE statement for the whole batch (`Person { cases contactStatus }` were two:
   * issue 17); each person's cases travel as one JSON array of arrays, read back into the rows
   * drizzle gives. Only rows within the caller's scopes (access.ts; the loaders always pass them)
   * count: an official's answer reflects only what lies within their jurisdiction.
   */
  async healthByPersonIds(personIds: readonly string[], visible: TracingAccess = NATIONWIDE): Promise<Map<string, PersonHealth>> {
    const result = new Map<string, PersonHealth>(personIds.map((id) => [id, { cases: [], status: 'NONE' }]));
    const { cases, contacts } = visible;
    if (personIds.length === 0 || (cases.kind === 'NONE' && contacts.kind === 'NONE')) return result;
    const values = { keys: keysValue(personIds), ...scopePlaceholderValues('cases', cases), ...scopePlaceholderValues('contacts', contacts) };
    const one = personIds.length === 1;
    const rows = await this.healthStatements.run(`${one ? 'one' : 'many'}_${cases.kind}_${contacts.kind}`, () => {
      const people = one ? sql`(select ${sql.placeholder('keys')}::uuid)` : sql`unnest(${sql.placeholder('keys')}::uuid[])`;
      const c = schema.cases;
      const t = schema.contacts;
      const caseRows = cases.kind === 'NONE' ? sql`'[]'::json` : sql`coalesce((
          select json_agg(json_build_array(${c.id}, ${c.provinceCode}, ${c.confirmedAt}, ${c.onsetAt}, ${c.infectiousFrom}, ${c.infectiousTo}, ${c.ruleName},
                   ${c.evidenceResultIds}, ${c.status}, ${c.rejectedReason}, ${c.rejectedAt}, ${c.infectedByContactId}, ${c.createdAt}) order by ${c.confirmedAt} desc, ${c.id} asc)
          from ${c} where ${and(sql`${c.personId} = p.person_id`, visibleCasesOfKind(cases.kind, scopePlaceholders('cases')))}), '[]'::json)`;
      const contactRank = contacts.kind === 'NONE' ? sql`null::int` : sql`(
          select min(case when ${t.degree} = 'F1' then 1 else 2 end)::int
          from ${t} where ${and(sql`${t.personId} = p.person_id`, visibleContactsOfKind(contacts.kind, scopePlaceholders('contacts')))})`;
      return sql`select p.person_id::text as person_id, ${caseRows} as cases, ${contactRank} as contact_rank from ${people} p(person_id)`;
    }, values);
    for (const row of rows) {
      const caseRows = row.cases.map(([id, provinceCode, confirmedAt, onsetAt, infectiousFrom, infectiousTo, ruleName, evidenceResultIds, status, rejectedReason, rejectedAt, infectedByContactId, createdAt]) => ({
        id, personId: row.person_id, provinceCode, confirmedAt: toDate(confirmedAt), onsetAt: toDateOrNull(onsetAt), infectiousFrom: toDate(infectiousFrom),
        infectiousTo: toDate(infectiousTo), ruleName, evidenceResultIds, status, rejectedReason, rejectedAt: toDateOrNull(rejectedAt), infectedByContactId, createdAt: toDate(createdAt),
      }));
      const status: PersonContactStatus = caseRows.length > 0 ? 'F0' : row.contact_rank === 1 ? 'F1' : row.contact_rank === 2 ? 'F2' : 'NONE';
      result.set(row.person_id, { cases: caseRows, status });
    }
    return result;
  }
}
