import { afterAll, beforeAll, describe, expect } from 'vitest';
import { sql } from 'drizzle-orm';
import { checkinsModule } from '../../subgraphs/checkins/server.ts';
import postgres from 'postgres';
import { MAX_BATCH_SIZE } from '../../subgraphs/checkins/validation.ts';
import { partitionName } from '../../subgraphs/checkins/partitions.ts';
import * as tables from '../../subgraphs/checkins/db/schema.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import type { SubgraphDefinition } from '../../subgraphs/shared/subgraph.ts';
import { buildSubgraphService, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import type { BaseContext } from '@apollo/server';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

const identity: Identity = { subject: 'scanner-partner', role: 'partner', jurisdiction: ['79'], scopes: ['checkins:write'], purpose: null };
/** Partners write check-ins but read none back; reads in these tests are an official's of 79. */
const official: Identity = { subject: 'official-79', role: 'province_official', jurisdiction: ['79'], scopes: [], purpose: null };

interface GraphQLResult {
  data?: Record<string, any> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

const PERSON = '0b6f3c1e-0000-4000-8000-0000000000a1';
const OTHER_PERSON = '0b6f3c1e-0000-4000-8000-0000000000a2';
const THIRD_PERSON = '0b6f3c1e-0000-4000-8000-0000000000a3';
const id = (n: number) => `c4ec0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const REGISTER = /* GraphQL */ `
  mutation ($input: RegisterVenueInput!) {
    registerVenue(input: $input) {
      __typename
      ... on VenueRegistered { venue { id name category qrCode ward { code } province { code } registeredAt } }
      ... on InvalidVenue { message field }
      ... on QrCodeTaken { message qrCode }
    }
  }`;

const CHECK_IN = /* GraphQL */ `
  mutation ($id: ID!, $qrCode: String!, $personId: ID!, $at: DateTime) {
    checkIn(id: $id, qrCode: $qrCode, personId: $personId, at: $at) {
      __typename
      ... on CheckInRecorded { duplicate checkIn { id checkedInAt checkedOutAt closedAutomatically person { id } venue { qrCode } } }
      ... on VenueNotFound { message qrCode }
      ... on InvalidCheckIn { message field }
      ... on CheckInIdConflict { message id }
    }
  }`;

const CHECK_OUT = /* GraphQL */ `
  mutation ($id: ID!, $at: DateTime) {
    checkOut(id: $id, at: $at) {
      __typename
      ... on CheckedOut { checkIn { id checkedInAt checkedOutAt closedAutomatically } }
      ... on CheckInNotFound { message id }
      ... on InvalidCheckOut { message field }
    }
  }`;

const RECORD = /* GraphQL */ `
  mutation ($batch: [CheckInRecordInput!]!) {
    recordCheckIns(batch: $batch) { accepted duplicates rejected { index id reason code field } }
  }`;

describe('checkins mutations', () => {
  let database: TestDatabase<typeof checkinsModule.tables>;
  let definition: SubgraphDefinition<BaseContext>;
  let service: SubgraphService;

  async function run(query: string, variables: Record<string, unknown> = {}, caller: Identity = identity): Promise<GraphQLResult> {
    const response = await service.executor.run({ query, variables }, definition.createContext(caller));
    return response.result as GraphQLResult;
  }

  async function checkInCount(): Promise<number> {
    const [row] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from check_ins`);
    return row?.n ?? -1;
  }

  const venue = { id: '5e7a9d20-0000-4000-8000-0000000000a1', name: 'Chợ Tân Định', category: 'MARKET', wardCode: '26734', provinceCode: '79', qrCode: 'VN-79-CTD-0001' };
  const otherVenue = { name: 'Trường Tiểu học Kỳ Đồng', category: 'SCHOOL', wardCode: '26734', provinceCode: '79', qrCode: 'VN-79-TKD-0002' };

  beforeAll(async () => {
    database = await createTestDatabase(checkinsModule, 'checkinsmut');
    definition = checkinsModule.build(database.db, { nationalIdKey: 'k'.repeat(40), logger: createLogger('test', 'silent') });
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: createLogger('test', 'silent') });
    for (const input of [venue, otherVenue]) {
      const result = await run(REGISTER, { input });
      expect(result.data?.registerVenue.__typename).toBe('VenueRegistered');
    }
  });
  afterAll(async () => {
    await database?.drop();
  });

  itWithPostgres('registerVenue: stores a venue, accepts a retry, and reports reused ids, taken QR codes and bad details', async () => {
    const stored = await run(/* GraphQL */ `query ($qr: String!) { venueByQr(qrCode: $qr) { id name category ward { code } province { code } } }`, { qr: venue.qrCode });
    expect(stored.data?.venueByQr).toEqual({ id: venue.id, name: venue.name, category: 'MARKET', ward: { code: '26734' }, province: { code: '79' } });

    const retry = await run(REGISTER, { input: venue });
    expect(retry.data?.registerVenue).toMatchObject({ __typename: 'VenueRegistered', venue: { id: venue.id, qrCode: venue.qrCode } });
    const reused = await run(REGISTER, { input: { ...venue, name: 'Another name' } });
    expect(reused.data?.registerVenue).toMatchObject({ __typename: 'InvalidVenue', field: 'id' });
    const taken = await run(REGISTER, { input: { ...otherVenue, name: 'Copy' } });
    expect(taken.data?.registerVenue).toMatchObject({ __typename: 'QrCodeTaken', qrCode: otherVenue.qrCode });
    expect(taken.data?.registerVenue.message).toMatch(/already belongs/);

    for (const [field, input] of [
      ['id', { ...otherVenue, id: 'venue-1', qrCode: 'NEW-1' }],
      ['name', { ...otherVenue, name: '   ', qrCode: 'NEW-2' }],
      ['wardCode', { ...otherVenue, wardCode: '267', qrCode: 'NEW-3' }],
      ['provinceCode', { ...otherVenue, provinceCode: 'HCM', qrCode: 'NEW-4' }],
      ['qrCode', { ...otherVenue, qrCode: ' NEW-5 ' }],
    ] as const) {
      const result = await run(REGISTER, { input });
      expect(result.data?.registerVenue, field).toMatchObject({ __typename: 'InvalidVenue', field });
    }
    const [count] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from venues`);
    expect(count?.n).toBe(2);

    const byId = await run(/* GraphQL */ `query ($id: ID!) { venue(id: $id) { name } }`, { id: venue.id.toUpperCase() });
    expect(byId.data?.venue).toEqual({ name: venue.name });
    const unknown = await run(/* GraphQL */ `query { venueByQr(qrCode: "NOPE") { id } }`);
    expect(unknown.data?.venueByQr).toBeNull();
    const malformed = await run(/* GraphQL */ `query { venue(id: "42") { id } }`);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
  });

  itWithPostgres('checkIn: stores a scan once; a retry is a duplicate, a reused id is a conflict', async () => {
    const at = minutesAgo(30);
    const first = await run(CHECK_IN, { id: id(1), qrCode: venue.qrCode, personId: PERSON, at });
    expect(first.data?.checkIn).toEqual({
      __typename: 'CheckInRecorded',
      duplicate: false,
      checkIn: { id: id(1), checkedInAt: at, checkedOutAt: null, closedAutomatically: false, person: { id: PERSON }, venue: { qrCode: venue.qrCode } },
    });
    // The scanner retries (without `at`, so with another time): the first record stands.
    const retry = await run(CHECK_IN, { id: id(1).toUpperCase(), qrCode: venue.qrCode, personId: PERSON });
    expect(retry.data?.checkIn).toMatchObject({ __typename: 'CheckInRecorded', duplicate: true, checkIn: { id: id(1), checkedInAt: at } });
    const otherPerson = await run(CHECK_IN, { id: id(1), qrCode: venue.qrCode, personId: OTHER_PERSON });
    expect(otherPerson.data?.checkIn).toMatchObject({ __typename: 'CheckInIdConflict', id: id(1) });
    const otherPlace = await run(CHECK_IN, { id: id(1), qrCode: otherVenue.qrCode, personId: PERSON });
    expect(otherPlace.data?.checkIn).toMatchObject({ __typename: 'CheckInIdConflict', id: id(1) });

    const [row] = await database.db.execute<{ n: number; person_id: string }>(sql`select count(*)::int as n, min(person_id::text) as person_id from check_ins where id = ${id(1)}`);
    expect(row).toEqual({ n: 1, person_id: PERSON });
  });

  itWithPostgres('checkIn refuses bad input with a result naming the field, and writes nothing', async () => {
    const before = await checkInCount();
    const unknownQr = await run(CHECK_IN, { id: id(2), qrCode: 'VN-99-NOPE', personId: PERSON });
    expect(unknownQr.data?.checkIn).toMatchObject({ __typename: 'VenueNotFound', qrCode: 'VN-99-NOPE' });
    for (const [field, variables] of [
      ['id', { id: 'scan-2', qrCode: venue.qrCode, personId: PERSON }],
      ['personId', { id: id(2), qrCode: venue.qrCode, personId: '12345' }],
      ['qrCode', { id: id(2), qrCode: '', personId: PERSON }],
      ['at', { id: id(2), qrCode: venue.qrCode, personId: PERSON, at: new Date(Date.now() + 3600_000).toISOString() }],
    ] as const) {
      const result = await run(CHECK_IN, variables);
      expect(result.data?.checkIn, field).toMatchObject({ __typename: 'InvalidCheckIn', field });
    }
    // A timestamp that is not RFC 3339 at all is refused by the DateTime scalar.
    for (const at of ['yesterday', '2025-07-01 08:30', '1751358600']) {
      const malformed = await run(CHECK_IN, { id: id(2), qrCode: venue.qrCode, personId: PERSON, at });
      expect(malformed.errors?.[0]?.extensions?.code, at).toBe('BAD_USER_INPUT');
      expect(malformed.data ?? null).toBeNull();
    }
    // Within the allowed clock skew is fine.
    const skewed = await run(CHECK_IN, { id: id(3), qrCode: venue.qrCode, personId: PERSON, at: new Date(Date.now() + 60_000).toISOString() });
    expect(skewed.data?.checkIn.__typename).toBe('CheckInRecorded');
    expect(await checkInCount()).toBe(before + 1);
  });

  itWithPostgres('checkOut: closes once; refuses a time before check-in, in the future, or different from the one stored', async () => {
    await run(CHECK_IN, { id: id(10), qrCode: venue.qrCode, personId: PERSON, at: minutesAgo(90) });
    const early = await run(CHECK_OUT, { id: id(10), at: minutesAgo(120) });
    expect(early.data?.checkOut).toMatchObject({ __typename: 'InvalidCheckOut', field: 'at' });
    expect(early.data?.checkOut.message).toMatch(/before the check-in/);
    const future = await run(CHECK_OUT, { id: id(10), at: new Date(Date.now() + 3600_000).toISOString() });
    expect(future.data?.checkOut).toMatchObject({ __typename: 'InvalidCheckOut', field: 'at' });
    const malformed = await run(CHECK_OUT, { id: 'out-10' });
    expect(malformed.data?.checkOut).toMatchObject({ __typename: 'InvalidCheckOut', field: 'id' });
    const missing = await run(CHECK_OUT, { id: id(999) });
    expect(missing.data?.checkOut).toMatchObject({ __typename: 'CheckInNotFound', id: id(999) });
    const [open] = await database.db.execute<{ checked_out_at: string | null }>(sql`select checked_out_at from check_ins where id = ${id(10)}`);
    expect(open?.checked_out_at).toBeNull();

    const at = minutesAgo(30);
    const out = await run(CHECK_OUT, { id: id(10), at });
    expect(out.data?.checkOut).toMatchObject({ __typename: 'CheckedOut', checkIn: { id: id(10), checkedOutAt: at, closedAutomatically: false } });
    const again = await run(CHECK_OUT, { id: id(10), at });
    expect(again.data?.checkOut).toMatchObject({ __typename: 'CheckedOut', checkIn: { checkedOutAt: at } });
    const retryWithoutTime = await run(CHECK_OUT, { id: id(10) });
    expect(retryWithoutTime.data?.checkOut).toMatchObject({ __typename: 'CheckedOut', checkIn: { checkedOutAt: at } });
    const rewrite = await run(CHECK_OUT, { id: id(10), at: minutesAgo(10) });
    expect(rewrite.data?.checkOut).toMatchObject({ __typename: 'InvalidCheckOut', field: 'at' });
    expect(rewrite.data?.checkOut.message).toMatch(/already checked out/);
  });

  itWithPostgres('an id is one check-in within 6 hours of its time: concurrent retries without a time store it once; far apart it is another visit', async () => {
    // A scanner that times out and retries (without `at`, so every copy gets another server time).
    const results = await Promise.all(Array.from({ length: 5 }, () => run(CHECK_IN, { id: id(60), qrCode: venue.qrCode, personId: PERSON })));
    expect(results.map((r) => r.data?.checkIn.__typename)).toEqual(Array(5).fill('CheckInRecorded'));
    expect(results.filter((r) => r.data?.checkIn.duplicate === false)).toHaveLength(1);
    const [stored] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from check_ins where id = ${id(60)}`);
    expect(stored?.n).toBe(1);

    // The same id 8 hours earlier is outside the window: kept as another check-in (the key is (id, checked_in_at)).
    const inAt = minutesAgo(8 * 60);
    const earlier = await run(CHECK_IN, { id: id(60), qrCode: otherVenue.qrCode, personId: THIRD_PERSON, at: inAt });
    expect(earlier.data?.checkIn).toMatchObject({ __typename: 'CheckInRecorded', duplicate: false });
    const [both] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from check_ins where id = ${id(60)}`);
    expect(both?.n).toBe(2);
    // A check-out closes the latest check-in with that id at or before its time.
    const outAt = minutesAgo(7 * 60);
    const out = await run(CHECK_OUT, { id: id(60), at: outAt });
    expect(out.data?.checkOut).toMatchObject({ __typename: 'CheckedOut', checkIn: { checkedInAt: inAt, checkedOutAt: outAt } });
    const open = await database.db.execute<{ open: boolean }>(sql`select checked_out_at is null as open from check_ins where id = ${id(60)} order by checked_in_at`);
    expect(open.map((r) => r.open)).toEqual([false, true]);
  });

  itWithPostgres('an open check-in older than the maximum stay is closed automatically', async () => {
    await run(CHECK_IN, { id: id(20), qrCode: venue.qrCode, personId: OTHER_PERSON, at: minutesAgo(241) });
    await run(CHECK_IN, { id: id(21), qrCode: otherVenue.qrCode, personId: OTHER_PERSON, at: minutesAgo(239) });
    const result = await run(
      /* GraphQL */ `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { checkIns { id checkedOutAt closedAutomatically } } } }`,
      { reps: [{ __typename: 'Person', id: OTHER_PERSON }] },
      official,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities[0].checkIns).toEqual([
      { id: id(21), checkedOutAt: null, closedAutomatically: false },
      { id: id(20), checkedOutAt: null, closedAutomatically: true },
    ]);
  });

  itWithPostgres('recordCheckIns stores the good rows in one go and reports each bad row by its index', async () => {
    // Already stored: id(30) for PERSON at venue (a retried upload), id(31) for PERSON at venue.
    await run(CHECK_IN, { id: id(30), qrCode: venue.qrCode, personId: PERSON, at: minutesAgo(300) });
    await run(CHECK_IN, { id: id(31), qrCode: venue.qrCode, personId: PERSON, at: minutesAgo(300) });
    const before = await checkInCount();
    const good = (n: number, extra: Record<string, unknown> = {}) => ({
      id: id(n), qrCode: venue.qrCode, personId: PERSON, checkedInAt: minutesAgo(200), checkedOutAt: minutesAgo(150), ...extra,
    });
    const batch = [
      good(40), // 0 good
      good(41, { id: 'not-a-uuid' }), // 1
      good(42, { personId: 'person-42' }), // 2
      good(43, { qrCode: 'VN-00-UNKNOWN' }), // 3
      good(44, { checkedInAt: new Date(Date.now() + 3600_000).toISOString(), checkedOutAt: null }), // 4
      good(45, { checkedOutAt: minutesAgo(250) }), // 5 out before in
      good(46, { qrCode: otherVenue.qrCode, checkedOutAt: null }), // 6 good, still open
      good(30, { checkedInAt: minutesAgo(300), checkedOutAt: null }), // 7 duplicate of a stored check-in
      good(31, { personId: OTHER_PERSON }), // 8 id reused for another person
      good(47, { checkedOutAt: new Date(Date.now() + 3600_000).toISOString() }), // 9 check-out in the future
      good(48, { qrCode: '' }), // 10
      good(40), // 11 the same row twice in one batch: a duplicate
      good(40, { personId: OTHER_PERSON }), // 12 the same id in one batch for someone else
      good(49, { personId: OTHER_PERSON, qrCode: otherVenue.qrCode }), // 13 good
    ];
    const result = await run(RECORD, { batch });
    expect(result.errors).toBeUndefined();
    const outcome = result.data?.recordCheckIns;
    expect(outcome.accepted).toBe(3);
    expect(outcome.duplicates).toBe(2);
    expect(outcome.rejected.map((r: any) => [r.index, r.code, r.field])).toEqual([
      [1, 'MALFORMED_ID', 'id'],
      [2, 'MALFORMED_ID', 'personId'],
      [3, 'UNKNOWN_QR_CODE', 'qrCode'],
      [4, 'TIME_IN_FUTURE', 'checkedInAt'],
      [5, 'CHECK_OUT_BEFORE_CHECK_IN', 'checkedOutAt'],
      [8, 'ID_CONFLICT', 'id'],
      [9, 'TIME_IN_FUTURE', 'checkedOutAt'],
      [10, 'MALFORMED_QR_CODE', 'qrCode'],
      [12, 'ID_CONFLICT', 'id'],
    ]);
    expect(outcome.rejected[0]).toMatchObject({ id: 'not-a-uuid', reason: expect.stringMatching(/UUID/) });
    expect(outcome.accepted + outcome.duplicates + outcome.rejected.length).toBe(batch.length);

    expect(await checkInCount()).toBe(before + 3);
    const stored = await database.db.execute<{ id: string; person_id: string; checked_out_at: string | null }>(
      sql`select id, person_id, checked_out_at from check_ins where id in (${id(40)}, ${id(46)}, ${id(49)}, ${id(31)}) order by id`,
    );
    expect(stored.map((r) => [r.id, r.person_id, r.checked_out_at === null])).toEqual([
      [id(31), PERSON, true],
      [id(40), PERSON, false],
      [id(46), PERSON, true],
      [id(49), OTHER_PERSON, false],
    ]);

    // The same upload again: nothing new, everything good is a duplicate.
    const again = await run(RECORD, { batch });
    expect(again.data?.recordCheckIns).toMatchObject({ accepted: 0, duplicates: 5 });
    expect(await checkInCount()).toBe(before + 3);
  });

  itWithPostgres('recordCheckIns: a retried row with a shifted time among new rows is a duplicate; the new rows are stored, the retry is not stored again', async () => {
    // The stored check-in and its retry differ in time, so the batch's COPY itself succeeds: only
    // the look-up of stored ids (run alongside it) can stop the retry from becoming a second visit.
    const [storedAt, retriedAt, firstAt, lastAt] = [minutesAgo(120), minutesAgo(110), minutesAgo(90), minutesAgo(80)];
    await run(CHECK_IN, { id: id(70), qrCode: venue.qrCode, personId: PERSON, at: storedAt });
    const before = await checkInCount();
    const row = (n: number, at: string) => ({ id: id(n), qrCode: venue.qrCode, personId: PERSON, checkedInAt: at });
    const result = await run(RECORD, { batch: [row(71, firstAt), row(70, retriedAt), row(72, lastAt)] });
    expect(result.data?.recordCheckIns).toEqual({ accepted: 2, duplicates: 1, rejected: [] });
    expect(await checkInCount()).toBe(before + 2);
    const stored = await database.db.execute<{ id: string; checked_in_at: string }>(
      sql`select id, checked_in_at from check_ins where id in (${id(70)}, ${id(71)}, ${id(72)}) order by id`,
    );
    expect(stored.map((r) => [r.id, new Date(r.checked_in_at).toISOString()])).toEqual([
      [id(70), storedAt],
      [id(71), firstAt],
      [id(72), lastAt],
    ]);
  });

  itWithPostgres('recordCheckIns refuses a batch over the limit and writes nothing; the limit itself is one statement', async () => {
    const before = await checkInCount();
    const row = (n: number) => ({ id: `d4ec0000-0000-4000-8000-${String(n).padStart(12, '0')}`, qrCode: venue.qrCode, personId: PERSON, checkedInAt: minutesAgo(60) });
    const oversized = await run(RECORD, { batch: Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, i) => row(i)) });
    expect(oversized.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'batch' });
    expect(oversized.data?.recordCheckIns ?? null).toBeNull();
    expect(await checkInCount()).toBe(before);

    const full = await run(RECORD, { batch: Array.from({ length: MAX_BATCH_SIZE }, (_, i) => row(i)) });
    expect(full.data?.recordCheckIns).toEqual({ accepted: MAX_BATCH_SIZE, duplicates: 0, rejected: [] });
    expect(await checkInCount()).toBe(before + MAX_BATCH_SIZE);

    const empty = await run(RECORD, { batch: [] });
    expect(empty.data?.recordCheckIns).toEqual({ accepted: 0, duplicates: 0, rejected: [] });
  });

  itWithPostgres('the same batch uploaded twice at once is stored once: one upload accepts each row, the other counts it a duplicate', async () => {
    const before = await checkInCount();
    const at = minutesAgo(45);
    const batch = Array.from({ length: 2000 }, (_, i) => ({
      id: `e5ec0000-0000-4000-8000-${String(i).padStart(12, '0')}`, qrCode: venue.qrCode, personId: PERSON, checkedInAt: at,
    }));
    const results = await Promise.all([run(RECORD, { batch }), run(RECORD, { batch }), run(RECORD, { batch })]);
    const outcomes = results.map((r) => r.data?.recordCheckIns as { accepted: number; duplicates: number; rejected: unknown[] });
    expect(outcomes.map((o) => o.rejected)).toEqual([[], [], []]);
    expect(outcomes.reduce((n, o) => n + o.accepted, 0)).toBe(batch.length);
    expect(outcomes.reduce((n, o) => n + o.duplicates, 0)).toBe(2 * batch.length);
    expect(await checkInCount()).toBe(before + batch.length);
  });

  itWithPostgres('more partner batches at once than the pool has connections: each holds two (its COPY, its look-up) and all are stored', async () => {
    // 25 uploads on a pool of 10: a COPY's reserved connection waits for its look-up, which was
    // queued before the COPY asked for a connection, so the uploads cannot starve each other.
    const before = await checkInCount();
    const at = minutesAgo(30);
    const batches = Array.from({ length: 25 }, (_, b) =>
      Array.from({ length: 40 }, (_, i) => ({ id: `f0ec0000-0000-4000-8000-${String(b * 100 + i).padStart(12, '0')}`, qrCode: venue.qrCode, personId: PERSON, checkedInAt: at })),
    );
    const results = await Promise.all(batches.map((batch) => run(RECORD, { batch })));
    expect(results.map((r) => r.data?.recordCheckIns.accepted)).toEqual(Array(25).fill(40));
    expect(await checkInCount()).toBe(before + 25 * 40);
  });

  itWithPostgres('a COPY whose look-up of stored ids is stuck behind a lock gives its own locks up; the batch is stored once the look-up answers', async () => {
    // The rows fall in one partition; their look-up window (6 hours either side) also reaches the
    // neighbouring day, whose table another session holds: the look-up waits, the COPY does not.
    // Were that session waiting for the COPY's locks instead (a partition being created, a
    // migration), nothing but the COPY giving up could end the wait.
    const DAY = 86_400_000;
    const now = Date.now();
    const today = Math.floor(now / DAY) * DAY;
    const lateEnough = now - today >= 40 * 60_000;
    const at = new Date(lateEnough ? today + 30 * 60_000 : today - 10 * 60_000); // 00:30 today, or 23:50 yesterday
    const relationOf = async (instant: Date): Promise<string> => {
      const [row] = await database.db.execute<{ found: boolean }>(sql`select to_regclass(${partitionName(instant)}) is not null as found`);
      return row?.found ? partitionName(instant) : 'check_ins_default';
    };
    const own = await relationOf(at);
    const held = await relationOf(new Date(lateEnough ? today - 3_600_000 : today + 3_600_000));
    expect(held).not.toBe(own);

    const locker = postgres(database.url, { max: 1, onnotice: () => {} });
    const holder = await locker.reserve();
    await holder`begin`;
    await holder.unsafe(`lock table ${held} in access exclusive mode`);
    const batch = Array.from({ length: 50 }, (_, i) => ({ id: `a1ec0000-0000-4000-8000-${String(i).padStart(12, '0')}`, qrCode: venue.qrCode, personId: PERSON, checkedInAt: at.toISOString() }));
    const upload = run(RECORD, { batch });
    await new Promise((resolve) => setTimeout(resolve, 1800)); // past the COPY's wait for its look-up
    const granted = await holder<Array<{ n: number }>>`
      select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
      where c.relname = ${own} and l.mode = 'RowExclusiveLock' and l.granted and l.pid <> pg_backend_pid()`;
    expect(granted[0]?.n).toBe(0);
    await holder`commit`;
    holder.release();
    await locker.end();

    expect((await upload).data?.recordCheckIns).toEqual({ accepted: 50, duplicates: 0, rejected: [] });
    const [stored] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from check_ins where id::text like 'a1ec0000-%'`);
    expect(stored?.n).toBe(50);
  });

  itWithPostgres('the database refuses a check-out before check-in even without the API', async () => {
    const [v] = await database.db.select({ id: tables.venues.id }).from(tables.venues).limit(1);
    await expect(
      database.db.insert(tables.checkIns).values({ id: id(90), personId: PERSON, venueId: v!.id, checkedInAt: new Date(), checkedOutAt: new Date(Date.now() - 60_000) }),
    ).rejects.toThrow();
  });
});
