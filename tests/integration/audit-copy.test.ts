import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AuditRepository, COPY_AUDIT_RECORDS_FROM, type NewAuditRecord } from '../../subgraphs/shared/audit.ts';
import { tracingModule } from '../../subgraphs/tracing/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

/**
 * A crowd's audit records (a tracing look-up's thousands of people) are COPYed (AuditRepository.append,
 * from COPY_AUDIT_RECORDS_FROM records): stored exactly as the INSERT stores a small batch, text
 * that COPY's format would misread included, in one transaction (one xmin); a batch the server
 * refuses stores none of its records, and the write rejects, so the hooks withhold the answer.
 */
describe('audit records of a crowd: one COPY, all or none', () => {
  let database: TestDatabase<typeof tracingModule.tables>;
  let repository: AuditRepository;

  beforeAll(async () => {
    database = await createTestDatabase(tracingModule, 'auditcopy');
    repository = new AuditRepository(database.db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const at = new Date('2026-12-06T01:02:03.456Z');
  const record = (subject: string, patch: Partial<NewAuditRecord> = {}): NewAuditRecord => ({
    subject, role: 'service', jurisdiction: ['01', '79'], personId: randomUUID(), fields: ['case', 'contactStatus'], maskedFields: ['contactStatus'],
    operationName: 'Trace\tCase\\1\nx', purpose: 'contact-tracing', at, outcome: 'MASKED', reason: null, breakGlassGrantId: null, ...patch,
  });
  const stored = (subject: string) =>
    database.sql<Array<Record<string, unknown>>>`
      select person_id, role, jurisdiction, fields, masked_fields, operation_name, purpose, at, outcome, reason, break_glass_grant_id, xmin::text as tx
      from audit_records where subject = ${subject} order by person_id`;

  itWithPostgres('stores a crowd as the INSERT stores a small batch, in one transaction', async () => {
    const crowd = Array.from({ length: COPY_AUDIT_RECORDS_FROM }, () => record('copy-crowd'));
    const few = crowd.slice(0, 3).map((r) => ({ ...r, subject: 'copy-few' }));
    // Both ways say when the records have left, before they are committed (AuditTrail.complete waits for it).
    const order: string[] = [];
    const appending = repository.append(crowd, () => order.push('crowd sent')).then(() => order.push('crowd stored'));
    await Promise.all([appending, repository.append(few, () => order.push('few sent')).then(() => order.push('few stored'))]);
    expect(order.indexOf('crowd sent')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('crowd sent')).toBeLessThan(order.indexOf('crowd stored'));
    expect(order.indexOf('few sent')).toBeLessThan(order.indexOf('few stored'));
    expect(order.filter((o) => o.endsWith('sent'))).toHaveLength(2);
    const rows = await stored('copy-crowd');
    expect(rows).toHaveLength(crowd.length);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
    const withoutTx = ({ tx: _tx, ...row }: Record<string, unknown>) => row;
    const byInsert = (await stored('copy-few')).map(withoutTx);
    expect(byInsert).toHaveLength(3);
    for (const row of byInsert) expect(rows.map(withoutTx).find((r) => r.person_id === row.person_id)).toEqual(row);
    expect(byInsert[0]).toMatchObject({ operation_name: 'Trace\tCase\\1\nx', jurisdiction: ['01', '79'], fields: ['case', 'contactStatus'], masked_fields: ['contactStatus'] });
  });

  itWithPostgres('stores none of a crowd the server refuses, and rejects', async () => {
    const crowd = Array.from({ length: COPY_AUDIT_RECORDS_FROM + 5 }, () => record('copy-refused'));
    crowd[COPY_AUDIT_RECORDS_FROM] = record('copy-refused', { outcome: 'NOT_AN_OUTCOME' as never });
    // The INSERT would fail with the check constraint's error: this one is the COPY's (postgres.js
    // does not hand the server's reason of a refused COPY over; shared/copy.ts copyInto).
    await expect(repository.append(crowd)).rejects.toThrow('The audit records were refused by the database.');
    expect(await stored('copy-refused')).toHaveLength(0);
    // The pool's connections still serve the next write.
    await repository.append(crowd.slice(0, COPY_AUDIT_RECORDS_FROM));
    expect(await stored('copy-refused')).toHaveLength(COPY_AUDIT_RECORDS_FROM);
  });
});
