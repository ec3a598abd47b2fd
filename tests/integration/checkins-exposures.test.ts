import { afterAll, beforeAll, describe, expect } from 'vitest';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { sql } from 'drizzle-orm';
import { checkinsModule, checkinsSubgraph } from '../../subgraphs/checkins/server.ts';
import type { CheckinsDb } from '../../subgraphs/checkins/db/models.ts';
import { ExposureRepository, type ExposureDto, type ExposureQuery } from '../../subgraphs/checkins/repositories/index.ts';
import { DEFAULT_EXPOSURE_RULE, type ExposureRule } from '../../subgraphs/checkins/rule.ts';
import { seedCheckinsDemo } from '../../subgraphs/checkins/seed.ts';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import { DEMO_PEOPLE, DEMO_VENUES } from '../../subgraphs/shared/demo.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { BASE, bruteForce, randomVisits, uuid } from '../support/exposure-oracle.ts';

const identity: Identity = { subject: 'test-official', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: 'tracing' };
const logger = createLogger('test', 'silent');

interface GraphQLResult {
  data?: Record<string, any> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Runs an operation through the subgraph's executor over buildSubgraphSchema, with a fresh per-request context. */
async function execute(db: CheckinsDb, query: string, variables: Record<string, unknown> = {}, rule?: ExposureRule): Promise<{ result: GraphQLResult; service: SubgraphService }> {
  const definition = checkinsSubgraph(db, rule ? { rule } : {});
  const service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger });
  const response = await service.executor.run({ query, variables }, definition.createContext(identity));
  return { result: response.result as GraphQLResult, service };
}

const asPairs = (exposures: ExposureDto[]) => new Map(exposures.map((e) => [`${e.checkIn.id}|${e.contactCheckIn.id}`, e.overlapMinutes]));

describe('checkins exposures', () => {
  let database: TestDatabase<typeof checkinsModule.tables>;
  const now = new Date();

  beforeAll(async () => {
    database = await createTestDatabase(checkinsModule, 'checkinsexp');
    await seedCheckinsDemo(database.db, now);
  });
  afterAll(() => database?.drop());

  itWithPostgres('agree with a brute-force computation over random check-ins (open, capped and zero-length visits)', async () => {
    const people = Array.from({ length: 8 }, (_, i) => uuid('aaaa0000', i + 1));
    const venues = Array.from({ length: 3 }, (_, i) => uuid('bbbb0000', i + 1));
    await database.db.insert(tables.venues).values(venues.map((id, i) => ({ id, name: `Random venue ${i}`, category: 'SHOP' as const, wardCode: '26743', provinceCode: '79', qrCode: `RANDOM-${i}` })));
    const visits = [...randomVisits(7, people, venues, 90), ...randomVisits(42, people, venues, 60)];
    await database.db.insert(tables.checkIns).values(visits);

    const hour = (h: number) => new Date(BASE + h * 3600_000);
    const cases: Array<{ rule: ExposureRule; query: ExposureQuery }> = [
      { rule: DEFAULT_EXPOSURE_RULE, query: { from: null, to: null, minOverlapMinutes: 15 } },
      { rule: DEFAULT_EXPOSURE_RULE, query: { from: hour(3), to: hour(9), minOverlapMinutes: 15 } },
      { rule: DEFAULT_EXPOSURE_RULE, query: { from: hour(5.25), to: null, minOverlapMinutes: 0 } },
      { rule: DEFAULT_EXPOSURE_RULE, query: { from: null, to: hour(7.5), minOverlapMinutes: 45 } },
      // A configured rule: shorter maximum stay, which changes both the effective check-out and the scan bound.
      { rule: { name: 'test-5min-1h', minOverlapMinutes: 5, maxStayMinutes: 60 }, query: { from: null, to: null, minOverlapMinutes: 5 } },
    ];
    let compared = 0;
    for (const { rule, query } of cases) {
      const repo = new ExposureRepository(database.db, rule);
      const found = await repo.forPeople(people, query);
      for (const person of people) {
        const mine = found.filter((e) => e.personId === person);
        const expected = bruteForce(visits, person, query, rule);
        expect(asPairs(mine), `person ${person}, rule ${rule.name}, query ${JSON.stringify(query)}`).toEqual(expected);
        for (const e of mine) {
          expect(e.contactPersonId).not.toBe(person);
          expect(e.overlapEnd.getTime() - e.overlapStart.getTime()).toBeGreaterThanOrEqual(query.minOverlapMinutes * 60_000);
        }
        // Ordered by overlapStart.
        const starts = mine.map((e) => e.overlapStart.getTime());
        expect(starts).toEqual([...starts].sort((a, b) => a - b));
        compared += expected.size;
      }
    }
    // The data set must actually exercise the comparison.
    expect(compared).toBeGreaterThan(100);
  });

  itWithPostgres('the demo scenario: An overlaps Bình 60 min and Châu 30 min at Chợ Bến Thành, not Long; Châu meets Dũng next day', async () => {
    await seedCheckinsDemo(database.db, now); // a second time: idempotent
    const { result } = await execute(
      database.db,
      /* GraphQL */ `
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on Person {
              id
              exposures {
                person { id }
                contact { id }
                overlapMinutes
                venue { name category qrCode ward { code } province { code } }
                checkIn { person { id } closedAutomatically }
                contactCheckIn { person { id } }
              }
            }
          }
        }`,
      { reps: [{ __typename: 'Person', id: DEMO_PEOPLE.an.id }, { __typename: 'Person', id: DEMO_PEOPLE.chau.id.toUpperCase() }] },
    );
    expect(result.errors).toBeUndefined();
    const [an, chau] = result.data!._entities as Array<{ id: string; exposures: Array<Record<string, any>> }>;
    expect(an!.exposures.map((e) => [e.contact.id, e.overlapMinutes])).toEqual([
      [DEMO_PEOPLE.binh.id, 60],
      [DEMO_PEOPLE.chau.id, 30],
    ]);
    expect(an!.exposures.some((e) => e.contact.id === DEMO_PEOPLE.long.id)).toBe(false);
    // `person` is the person asked about, as `checkIn.person` (Châu was asked for in upper case).
    expect(new Set(an!.exposures.map((e) => e.person.id))).toEqual(new Set([DEMO_PEOPLE.an.id]));
    expect(new Set(chau!.exposures.map((e) => e.person.id))).toEqual(new Set([DEMO_PEOPLE.chau.id]));
    expect(an!.exposures[0]!.venue).toEqual({
      name: DEMO_VENUES.benThanhMarket.name, category: 'MARKET', qrCode: DEMO_VENUES.benThanhMarket.qrCode, ward: { code: '26743' }, province: { code: '79' },
    });
    expect(an!.exposures[0]!.checkIn).toEqual({ person: { id: DEMO_PEOPLE.an.id }, closedAutomatically: false });
    expect(an!.exposures[0]!.contactCheckIn.person.id).toBe(DEMO_PEOPLE.binh.id);
    expect(chau!.exposures.map((e) => [e.contact.id, e.overlapMinutes])).toEqual([
      [DEMO_PEOPLE.an.id, 30],
      [DEMO_PEOPLE.binh.id, 60],
      [DEMO_PEOPLE.long.id, 20],
      [DEMO_PEOPLE.dung.id, 45],
    ]);
  });

  itWithPostgres('as columns (exposureColumnsOf, firstContactColumnsOf): the same exposures as the object-shaped fields, in the same order; the same refusals', async () => {
    const FIELDS = 'person { id } contact { id } venue { id } overlapStart overlapEnd overlapMinutes';
    const COLUMNS = 'personIds contactIds venueIds overlapStarts overlapEnds overlapMinutes';
    const asColumns = (rows: Array<Record<string, any>>) => ({
      personIds: rows.map((e) => e.person.id),
      contactIds: rows.map((e) => e.contact.id),
      venueIds: rows.map((e) => e.venue.id),
      overlapStarts: rows.map((e) => e.overlapStart),
      overlapEnds: rows.map((e) => e.overlapEnd),
      overlapMinutes: rows.map((e) => e.overlapMinutes),
    });
    const ids = [DEMO_PEOPLE.an.id, DEMO_PEOPLE.chau.id];
    const people = ids.map((personId) => ({ personId, from: new Date(now.getTime() - 7 * 86_400_000).toISOString() }));
    const pairs = [
      [`query($ids: [ID!]!) { exposuresOf(personIds: $ids) { ${FIELDS} } }`, `query($ids: [ID!]!) { exposureColumnsOf(personIds: $ids) { ${COLUMNS} } }`, { ids }],
      [
        `query($people: [ExposureSubjectInput!]!) { firstContactsOf(people: $people, excludeContacts: []) { ${FIELDS} } }`,
        `query($people: [ExposureSubjectInput!]!) { firstContactColumnsOf(people: $people, excludeContacts: []) { ${COLUMNS} } }`,
        { people },
      ],
    ] as const;
    for (const [objectsQuery, columnsQuery, variables] of pairs) {
      const objects = (await execute(database.db, objectsQuery, variables)).result;
      const columns = (await execute(database.db, columnsQuery, variables)).result;
      expect(objects.errors).toBeUndefined();
      expect(columns.errors).toBeUndefined();
      const rows = Object.values(objects.data!)[0] as Array<Record<string, any>>;
      expect(rows.length).toBeGreaterThan(3);
      expect(Object.values(columns.data!)[0]).toEqual(asColumns(rows));
    }
    // A malformed id is refused as in exposuresOf, and nothing is answered.
    const refused = (await execute(database.db, `query { exposureColumnsOf(personIds: ["not-a-uuid"]) { personIds } }`)).result;
    expect(refused.data?.exposureColumnsOf ?? null).toBeNull();
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  itWithPostgres('the window cuts the overlap before it is measured; minOverlapMinutes overrides the rule; bad windows are refused', async () => {
    const at = (h: number, m: number) => {
      const d = new Date(now);
      d.setUTCDate(d.getUTCDate() - 3);
      d.setUTCHours(h, m, 0, 0);
      return d.toISOString();
    };
    const query = /* GraphQL */ `
      query ($reps: [_Any!]!, $from: DateTime, $to: DateTime, $min: Int) {
        _entities(representations: $reps) { ... on Person { exposures(from: $from, to: $to, minOverlapMinutes: $min) { contact { id } overlapStart overlapEnd overlapMinutes } } }
      }`;
    const reps = [{ __typename: 'Person', id: DEMO_PEOPLE.an.id }];
    // An 02:00–04:00, Bình 03:00–05:00, Châu 03:30–04:30. Window 03:40–05:00: Bình 20 min, Châu 20 min.
    const cut = await execute(database.db, query, { reps, from: at(3, 40), to: at(5, 0), min: 20 });
    expect(cut.result.errors).toBeUndefined();
    expect(cut.result.data!._entities[0].exposures).toEqual([
      { contact: { id: DEMO_PEOPLE.binh.id }, overlapStart: at(3, 40), overlapEnd: at(4, 0), overlapMinutes: 20 },
      { contact: { id: DEMO_PEOPLE.chau.id }, overlapStart: at(3, 40), overlapEnd: at(4, 0), overlapMinutes: 20 },
    ]);
    const stricter = await execute(database.db, query, { reps, from: at(3, 40), to: at(5, 0), min: 21 });
    expect(stricter.result.data!._entities[0].exposures).toEqual([]);
    const rule = await execute(database.db, query, { reps, min: null }, { name: 'strict-45min', minOverlapMinutes: 45, maxStayMinutes: 240 });
    expect(rule.result.data!._entities[0].exposures.map((e: any) => e.contact.id)).toEqual([DEMO_PEOPLE.binh.id]);

    const reversed = await execute(database.db, query, { reps, from: at(5, 0), to: at(3, 0) });
    expect(reversed.result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const negative = await execute(database.db, query, { reps, min: -1 });
    expect(negative.result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const malformed = await execute(database.db, query, { reps: [{ __typename: 'Person', id: 'not-a-uuid' }] });
    expect(malformed.result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  itWithPostgres('checkIns lists visits overlapping the window, newest first', async () => {
    const daysAgo = (days: number, h: number) => {
      const d = new Date(now);
      d.setUTCDate(d.getUTCDate() - days);
      d.setUTCHours(h, 0, 0, 0);
      return d.toISOString();
    };
    const query = /* GraphQL */ `
      query ($reps: [_Any!]!, $from: DateTime, $to: DateTime) {
        _entities(representations: $reps) { ... on Person { checkIns(from: $from, to: $to) { id checkedInAt venue { name } } } }
      }`;
    const all = await execute(database.db, query, { reps: [{ __typename: 'Person', id: DEMO_PEOPLE.chau.id }] });
    expect(all.result.errors).toBeUndefined();
    expect(all.result.data!._entities[0].checkIns.map((c: any) => c.venue.name)).toEqual(['Nhà hàng Hồ Gươm', 'Chợ Bến Thành']);
    // Châu's market visit (03:30–04:30, 3 days ago) overlaps a window starting at 04:00 although it began before.
    const window = await execute(database.db, query, { reps: [{ __typename: 'Person', id: DEMO_PEOPLE.chau.id }], from: daysAgo(3, 4), to: daysAgo(3, 6) });
    expect(window.result.data!._entities[0].checkIns.map((c: any) => c.venue.name)).toEqual(['Chợ Bến Thành']);
    const after = await execute(database.db, query, { reps: [{ __typename: 'Person', id: DEMO_PEOPLE.chau.id }], from: daysAgo(3, 5), to: daysAgo(3, 6) });
    expect(after.result.data!._entities[0].checkIns).toEqual([]);
  });

  itWithPostgres('many people\'s exposures are ONE SQL statement (person_id = any($1)); other argument tuples get their own', async () => {
    const statements: string[] = [];
    const client = postgres(database.url, { max: 2, onnotice: () => {}, debug: (_connection, query) => statements.push(query) });
    const db = drizzle(client, { schema: tables });
    try {
      const people = [DEMO_PEOPLE.an, DEMO_PEOPLE.binh, DEMO_PEOPLE.chau, DEMO_PEOPLE.dung, DEMO_PEOPLE.long];
      const { result } = await execute(
        db,
        /* GraphQL */ `
          query ($reps: [_Any!]!) {
            _entities(representations: $reps) {
              ... on Person { id exposures { contact { id } venue { name } } checkIns { id } }
            }
          }`,
        { reps: people.map((p) => ({ __typename: 'Person', id: p.id })) },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities.map((p: any) => p.exposures.length)).toEqual([2, 3, 4, 1, 2]);
      const exposureStatements = statements.filter((s) => /join check_ins o/.test(s));
      expect(exposureStatements).toHaveLength(1);
      expect(exposureStatements[0]).toMatch(/c\.person_id = any\(\$\d+::uuid\[\]\)/);
      expect(statements.filter((s) => /from "venues"/.test(s))).toHaveLength(1);
      expect(statements.filter((s) => /from "check_ins"/.test(s))).toHaveLength(1);

      statements.length = 0;
      const two = await execute(
        db,
        /* GraphQL */ `
          query ($reps: [_Any!]!) {
            _entities(representations: $reps) { ... on Person { a: exposures(minOverlapMinutes: 15) { overlapMinutes } b: exposures(minOverlapMinutes: 45) { overlapMinutes } } }
          }`,
        { reps: people.map((p) => ({ __typename: 'Person', id: p.id })) },
      );
      expect(two.result.errors).toBeUndefined();
      expect(two.result.data!._entities[0].b).toEqual([{ overlapMinutes: 60 }]);
      expect(statements.filter((s) => /join check_ins o/.test(s))).toHaveLength(2);
    } finally {
      await client.end();
    }
  });

  itWithPostgres('the custom migrations create the covering index check_ins_venue_checked_in_idx, with every column the exposure search reads', async () => {
    const [index] = await database.db.execute<{ indexdef: string }>(sql`select indexdef from pg_indexes where indexname = 'check_ins_venue_checked_in_idx'`);
    expect(index?.indexdef).toMatch(/\(venue_id, checked_in_at\) INCLUDE \(checked_out_at, person_id, id, closed_automatically\)/);
  });
});
