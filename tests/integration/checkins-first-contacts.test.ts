import { afterAll, beforeAll, describe, expect } from 'vitest';
import { checkinsModule } from '../../subgraphs/checkins/server.ts';
import { ExposureRepository } from '../../subgraphs/checkins/repositories/index.ts';
import { DEFAULT_EXPOSURE_RULE } from '../../subgraphs/checkins/rule.ts';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { BASE, exposurePairs, randomVisits, uuid, type OraclePair } from '../support/exposure-oracle.ts';

/**
 * `firstContactsOf` is how tracing finds F2: each subject (an F1) counts only from their own
 * instant, and each contact comes back once, with their earliest exposure.
 */
describe('checkins first contacts (F2 look-up)', () => {
  let database: TestDatabase<typeof checkinsModule.tables>;
  const people = Array.from({ length: 10 }, (_, i) => uuid('abab0000', i + 1));
  const venues = Array.from({ length: 3 }, (_, i) => uuid('baba0000', i + 1));
  const visits = [...randomVisits(11, people, venues, 120), ...randomVisits(23, people, venues, 80)];
  const hour = (h: number) => new Date(BASE + h * 3600_000);

  beforeAll(async () => {
    database = await createTestDatabase(checkinsModule, 'checkinsfirst');
    await database.db.insert(tables.venues).values(venues.map((id, i) => ({ id, name: `First-contacts venue ${i}`, category: 'SHOP' as const, wardCode: '26743', provinceCode: '79', qrCode: `FIRST-${i}` })));
    await database.db.insert(tables.checkIns).values(visits);
  });
  afterAll(() => database?.drop());

  itWithPostgres('agree with a brute-force computation: one row per contact, the earliest, each subject counted from its own instant', async () => {
    const repo = new ExposureRepository(database.db, DEFAULT_EXPOSURE_RULE);
    const subjects = [
      { personId: people[0]!, from: hour(1) },
      { personId: people[1]!, from: hour(4.5) },
      { personId: people[2]!, from: hour(0) },
      { personId: people[3]!, from: hour(7.25) },
      // Same instants as two above: a contact who arrived after both subjects ties on overlap start.
      { personId: people[5]!, from: hour(0) },
      { personId: people[6]!, from: hour(4.5) },
    ];
    const excluded = [people[0]!, people[4]!];
    for (const [minOverlapMinutes, to] of [[15, hour(13)], [0, hour(13)], [40, hour(13)], [15, null]] as const) {
      const query = { from: null, to, minOverlapMinutes, excludeContacts: excluded };
      const found = await repo.firstContactsOf(subjects, query);

      const earliest = new Map<string, OraclePair & { subjectId: string }>();
      for (const s of subjects) {
        for (const p of exposurePairs(visits, s.personId, { from: s.from, to, minOverlapMinutes }, DEFAULT_EXPOSURE_RULE)) {
          if (excluded.includes(p.contactId)) continue;
          const known = earliest.get(p.contactId);
          // Earliest overlap start; ties: the subject's id, then the contact's and the subject's check-in ids.
          const key = (x: OraclePair, subject: string) => [x.start, subject, x.contactCheckInId, x.checkInId] as const;
          const before = !known || compareKeys(key(p, s.personId), key(known, known.subjectId)) < 0;
          if (before) earliest.set(p.contactId, { ...p, subjectId: s.personId });
        }
      }
      const expected = new Map([...earliest].map(([contact, p]) => [contact, [p.subjectId, p.venueId, new Date(p.start).toISOString(), p.minutes, p.checkInId, p.contactCheckInId]]));
      const actual = new Map(found.map((e) => [e.contactPersonId, [e.personId, e.venueId, e.overlapStart.toISOString(), e.overlapMinutes, e.checkIn.id, e.contactCheckIn.id]]));
      expect(found).toHaveLength(actual.size); // one row per contact
      expect(actual, `minOverlapMinutes ${minOverlapMinutes}, to ${to?.toISOString() ?? 'open'}`).toEqual(expected);
      // In the exposure statement's order: by subject, then overlap start.
      const order = found.map((e) => [e.personId, e.overlapStart.getTime()] as const);
      expect(order).toEqual([...order].sort((a, b) => compareKeys(a, b)));
      if (minOverlapMinutes === 15) expect(expected.size).toBeGreaterThan(3); // the data must exercise it
    }
  });

  itWithPostgres('no subjects, no statement and no rows', async () => {
    const repo = new ExposureRepository(database.db, DEFAULT_EXPOSURE_RULE);
    expect(await repo.firstContactsOf([], { from: null, to: null, minOverlapMinutes: 15 })).toEqual([]);
  });
});

/** Compares tuples of numbers and strings element by element (strings as text, as PostgreSQL orders lower-case UUIDs). */
function compareKeys(a: ReadonlyArray<number | string>, b: ReadonlyArray<number | string>): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}
