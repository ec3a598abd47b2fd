import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import { checkinsModule, checkinsSubgraph } from '../../subgraphs/checkins/server.ts';
import { seedCheckinsDemo } from '../../subgraphs/checkins/seed.ts';
import { DEMO_PEOPLE, DEMO_VENUES } from '../../subgraphs/shared/demo.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

const logger = createLogger('test', 'silent');
const PEOPLE = [DEMO_PEOPLE.an, DEMO_PEOPLE.binh, DEMO_PEOPLE.chau, DEMO_PEOPLE.dung, DEMO_PEOPLE.long];
const { benThanhMarket: BEN_THANH, hoanKiemRestaurant: HO_GUOM, kinhBacSupermarket: KINH_BAC } = DEMO_VENUES;
const official = (...provinces: string[]): Identity => ({ subject: 'official', role: 'province_official', jurisdiction: provinces, scopes: [], purpose: null });

/**
 * The check-in policy (subgraphs/checkins/access.ts) in SQL: the venue-province predicate is part
 * of the one batched statement, for people's check-ins and exposures and for a venue's check-ins.
 */
describe('checkins subgraph: who sees which check-ins and exposures', () => {
  let database: TestDatabase<typeof checkinsModule.tables>;
  let client: postgres.Sql;
  const statements: string[] = [];

  async function run(identity: Identity, query: string, variables: Record<string, unknown> = {}) {
    const definition = checkinsSubgraph(drizzle(client, { schema: tables }));
    const service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger });
    statements.length = 0;
    const response = await service.executor.run({ query, variables }, definition.createContext(identity));
    return response.result as { data?: Record<string, any> | null; errors?: unknown[] };
  }

  beforeAll(async () => {
    database = await createTestDatabase(checkinsModule, 'checkinsaccess');
    await seedCheckinsDemo(database.db, new Date());
    client = postgres(database.url, { max: 2, onnotice: () => {}, debug: (_connection, query) => statements.push(query) });
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  const PEOPLE_QUERY = /* GraphQL */ `
    query ($reps: [_Any!]!) {
      _entities(representations: $reps) { ... on Person { id exposures { venue { id } contact { id } } checkIns { venue { id } } } }
    }`;
  const reps = PEOPLE.map((p) => ({ __typename: 'Person', id: p.id }));
  const venuesOf = (people: any[], field: 'exposures' | 'checkIns') => people.map((p) => [...new Set<string>(p[field].map((r: any) => r.venue.id))].sort());

  itWithPostgres("an official's people: only at venues of their provinces, still ONE statement for all exposures and ONE for all check-ins", async () => {
    const national = await run({ subject: 'n', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: null }, PEOPLE_QUERY, { reps });
    expect(national.errors).toBeUndefined();
    const all = national.data!._entities;

    const as79 = await run(official('79'), PEOPLE_QUERY, { reps });
    expect(as79.errors).toBeUndefined();
    const exposureStatements = statements.filter((s) => /join check_ins o/.test(s));
    expect(exposureStatements).toHaveLength(1);
    expect(exposureStatements[0]).toMatch(/c\.venue_id in \(select v\.id from venues v where v\.province_code = any\(\$\d+::text\[\]\)\)/);
    const checkInStatements = statements.filter((s) => /from "check_ins"/.test(s));
    expect(checkInStatements).toHaveLength(1);
    expect(checkInStatements[0]).toMatch(/v\.province_code = any\(\$\d+::text\[\]\)/);

    const seen = as79.data!._entities;
    // Châu (01) and Dũng (24) keep what happened at Chợ Bến Thành (79) and lose Nhà hàng Hồ Gươm (01).
    expect(venuesOf(seen, 'checkIns')).toEqual([[BEN_THANH.id], [BEN_THANH.id], [BEN_THANH.id], [], [BEN_THANH.id]]);
    expect(venuesOf(seen, 'exposures')).toEqual([[BEN_THANH.id], [BEN_THANH.id], [BEN_THANH.id], [], [BEN_THANH.id]]);
    expect(venuesOf(all, 'checkIns')[2]).toEqual([BEN_THANH.id, HO_GUOM.id].sort());
    // Nothing lost within the jurisdiction: exactly the national answer, cut to venues in 79.
    seen.forEach((person: any, i: number) => {
      for (const field of ['exposures', 'checkIns'] as const) {
        expect(person[field], `${PEOPLE[i]!.fullName} ${field}`).toEqual(all[i][field].filter((r: any) => r.venue.id === BEN_THANH.id));
      }
    });

    const as01and24 = await run(official('01', '24'), PEOPLE_QUERY, { reps });
    expect(venuesOf(as01and24.data!._entities, 'checkIns')).toEqual([[], [], [HO_GUOM.id], [HO_GUOM.id], []]);
  });

  itWithPostgres('exposuresOf and Venue.checkIns follow the same filter; citizens see their own check-ins only, partners nothing', async () => {
    const QUERY = /* GraphQL */ `
      query ($ids: [ID!]!, $a: ID!, $b: ID!) {
        exposuresOf(personIds: $ids) { venue { id } }
        a: venue(id: $a) { checkIns { person { id } } }
        b: venue(id: $b) { checkIns { person { id } } }
      }`;
    const variables = { ids: PEOPLE.map((p) => p.id), a: HO_GUOM.id, b: KINH_BAC.id };
    const as24 = await run(official('24'), QUERY, variables);
    expect(as24.errors).toBeUndefined();
    expect(as24.data!.exposuresOf).toEqual([]);
    expect(as24.data!.a.checkIns).toEqual([]);
    expect(as24.data!.b.checkIns).toEqual([{ person: { id: DEMO_PEOPLE.ha.id } }]);

    const as01 = await run(official('01'), QUERY, variables);
    expect(new Set(as01.data!.exposuresOf.map((e: any) => e.venue.id))).toEqual(new Set([HO_GUOM.id]));
    expect(as01.data!.a.checkIns.map((c: any) => c.person.id).sort()).toEqual([DEMO_PEOPLE.chau.id, DEMO_PEOPLE.dung.id].sort());
    expect(as01.data!.b.checkIns).toEqual([]);

    const citizen: Identity = { subject: DEMO_PEOPLE.dung.id, role: 'citizen', jurisdiction: [], scopes: ['exposures:read'], purpose: null };
    const own = await run(citizen, QUERY, variables);
    expect(own.data).toEqual({ exposuresOf: [], a: { checkIns: [{ person: { id: DEMO_PEOPLE.dung.id } }] }, b: { checkIns: [] } });
    const partner: Identity = { subject: 'partner-acme', role: 'partner', jurisdiction: ['01'], scopes: ['exposures:read', 'checkins:write'], purpose: null };
    expect((await run(partner, QUERY, variables)).data).toEqual({ exposuresOf: [], a: { checkIns: [] }, b: { checkIns: [] } });
    // Nothing visible, nothing asked: no check-in statement at all.
    expect(statements.filter((s) => /check_ins/.test(s))).toEqual([]);
  });

  itWithPostgres("firstContactsOf (tracing's F2 look-up) follows the same filter: only contacts at venues of the official's provinces", async () => {
    const QUERY = /* GraphQL */ `
      query ($people: [ExposureSubjectInput!]!) { firstContactsOf(people: $people) { venue { id } person { id } contact { id } } }`;
    const people = PEOPLE.map((p) => ({ personId: p.id, from: '2020-01-01T00:00:00Z' }));
    const venuesSeen = (result: Awaited<ReturnType<typeof run>>) => [...new Set(result.data!.firstContactsOf.map((e: any) => e.venue.id))].sort();
    const national = await run({ subject: 'n', role: 'national_official', jurisdiction: 'all', scopes: [], purpose: null }, QUERY, { people });
    expect(national.errors).toBeUndefined();
    expect(venuesSeen(national)).toEqual([BEN_THANH.id, HO_GUOM.id].sort());
    const as01 = await run(official('01'), QUERY, { people });
    expect(venuesSeen(as01)).toEqual([HO_GUOM.id]);
    // Châu and Dũng met at Hồ Gươm: each is the other's first contact there.
    expect(as01.data!.firstContactsOf.map((e: any) => [e.person.id, e.contact.id]).sort()).toEqual(
      [[DEMO_PEOPLE.chau.id, DEMO_PEOPLE.dung.id], [DEMO_PEOPLE.dung.id, DEMO_PEOPLE.chau.id]].sort(),
    );
    expect((await run(official('24'), QUERY, { people })).data!.firstContactsOf).toEqual([]);
  });
});
