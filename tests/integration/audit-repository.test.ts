import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { checkinsModule } from '../../subgraphs/checkins/server.ts';
import { AuditRepository, INSERT_AUDIT_VALUES_UP_TO, type NewAuditRecord } from '../../subgraphs/shared/audit.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

/**
 * The shared audit table's writer (subgraphs/shared/audit.ts) on a real database: a group commit's
 * records of several requests in one statement, every column as given, and nothing stored when
 * one record is bad; each for a few records (their values as parameters) and for more (arrays).
 */
describe('audit repository', () => {
  let database: TestDatabase<typeof checkinsModule.tables>;
  beforeAll(async () => {
    database = await createTestDatabase(checkinsModule, 'auditrepo');
  });
  afterAll(() => database?.drop());

  const record = (overrides: Partial<NewAuditRecord>): NewAuditRecord => ({
    subject: 'official-79', role: 'province_official', jurisdiction: ['79'], personId: randomUUID(), fields: ['exposures'], maskedFields: [],
    operationName: 'Trace', purpose: 'case-follow-up', at: new Date('2026-11-20T08:00:00.123Z'), outcome: 'ALLOWED', reason: null, breakGlassGrantId: null,
    ...overrides,
  });
  const stored = (subjects: string[]) =>
    database.sql`select subject, role, jurisdiction, person_id, fields, masked_fields, operation_name, purpose, at, outcome, reason, break_glass_grant_id
                 from audit_records where subject = any(${subjects}) order by id`;

  // A few records go as one INSERT of their values; more as the arrays' INSERT.
  const sizes = [
    ['a few records', 4],
    ['more records', INSERT_AUDIT_VALUES_UP_TO + 3],
  ] as const;

  itWithPostgres.each(sizes)('stores the records of several requests in one call, each with its own request details (%s)', async (label, size) => {
    const grant = randomUUID();
    const tag = label.replace(/ /g, '-');
    const records = [
      record({ subject: `${tag}-a`, fields: ['checkIns', 'exposures'] }),
      record({ subject: `${tag}-b`, role: 'national_official', jurisdiction: ['all'], operationName: null, purpose: null, at: new Date('2026-11-21T09:30:00Z') }),
      record({ subject: `${tag}-a`, fields: ['fullName', 'phone'], maskedFields: ['phone'], outcome: 'MASKED', reason: 'Ca bệnh "khẩn cấp", gọi lại, {ngay}', breakGlassGrantId: grant }),
      record({ subject: `${tag}-c`, jurisdiction: ['01', '79'], fields: [], outcome: 'DENIED' }),
    ];
    while (records.length < size) records.push(record({ subject: `${tag}-a`, at: new Date(Date.UTC(2026, 10, 22, 0, 0, records.length)) }));
    await new AuditRepository(database.db).append(records);
    const rows = await stored([`${tag}-a`, `${tag}-b`, `${tag}-c`]);
    const byPerson = <T extends { person_id: string }>(list: T[]) => [...list].sort((a, b) => a.person_id.localeCompare(b.person_id));
    expect(byPerson(rows.map((r) => ({ ...r, person_id: r.person_id as string, at: new Date(r.at).toISOString() })))).toEqual(
      byPerson(records.map((r) => ({
        subject: r.subject, role: r.role, jurisdiction: r.jurisdiction, person_id: r.personId, fields: r.fields, masked_fields: r.maskedFields,
        operation_name: r.operationName, purpose: r.purpose, at: r.at.toISOString(), outcome: r.outcome, reason: r.reason, break_glass_grant_id: r.breakGlassGrantId,
      }))),
    );
  });

  itWithPostgres('stores 20,000 records in one statement', async () => {
    const records = Array.from({ length: 20_000 }, () => record({ subject: 'audit-many' }));
    await new AuditRepository(database.db).append(records);
    const [{ count }] = await database.sql<[{ count: string }]>`select count(*) from audit_records where subject = 'audit-many'`;
    expect(Number(count)).toBe(20_000);
  });

  itWithPostgres.each(sizes)('stores nothing when one record is refused (%s)', async (label, size) => {
    const subject = `bad-${label.replace(/ /g, '-')}`;
    const records = Array.from({ length: size }, () => record({ subject }));
    records[size - 1] = record({ subject, outcome: 'UNKNOWN' as never });
    await expect(new AuditRepository(database.db).append(records)).rejects.toThrow(/audit_records_outcome_check/);
    expect(await stored([subject])).toEqual([]);
  });
});
