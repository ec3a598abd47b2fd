import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEMO_PEOPLE, DEMO_VENUES } from '../../subgraphs/shared/demo.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

const AN = DEMO_PEOPLE.an.id;
const noStackTrace = (body: unknown) => expect(JSON.stringify(body)).not.toMatch(/stacktrace|at .+\.ts:\d+/);

describe('the national graph, end to end through the gateway', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub?.stop());

  itWithPostgres('answers one query that touches every subgraph', async () => {
    const response = await hub.query(
      /* GraphQL */ `
        query PersonOverview($id: ID!) {
          person(id: $id) {
            fullName
            residence { name province { name hotline } }
            declarations { kind symptoms }
            checkIns { venue { name province { code } } }
            exposures { contact { fullName residence { province { name } } } venue { name } overlapMinutes }
            cases { province { code } infectiousFrom infectiousTo }
            contactStatus
          }
        }`,
      { id: AN },
    );
    expect(response.errors).toBeUndefined();
    const person = response.data.person;
    expect(person.fullName).toBe('Nguyễn Văn An'); // declarations
    expect(person.residence).toEqual({ name: 'Phường Sài Gòn', province: { name: 'Thành phố Hồ Chí Minh', hotline: expect.any(String) } }); // units + province shard 79
    expect(person.declarations).toEqual([{ kind: 'SYMPTOMS', symptoms: ['FEVER', 'COUGH'] }]);
    expect(person.checkIns).toEqual([{ venue: { name: 'Chợ Bến Thành', province: { code: '79' } } }]); // checkins
    expect(person.exposures.map((e: any) => [e.contact.fullName, e.contact.residence.province.name, e.overlapMinutes])).toEqual([
      ['Trần Thị Bình', 'Thành phố Hồ Chí Minh', 60],
      ['Lê Minh Châu', 'Thành phố Hà Nội', 30],
    ]);
    expect(person.cases).toHaveLength(1); // tracing
    expect(person.cases[0].province).toEqual({ code: '79' });
    expect(person.contactStatus).toBe('F0');
  });

  describe('bad input gets a clear error, writes nothing, shows no stack trace', () => {
    itWithPostgres('a malformed ID', async () => {
      const response = await hub.query('{ person(id: "not-a-uuid") { fullName } }');
      expect(response.data.person).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      noStackTrace(response);
    });

    itWithPostgres('an unknown QR code', async () => {
      const id = randomUUID();
      const response = await hub.query(
        `mutation($id: ID!, $person: ID!) { checkIn(id: $id, qrCode: "VN-00-NOPE", personId: $person) { __typename ... on VenueNotFound { message qrCode } } }`,
        { id, person: AN },
      );
      expect(response.data.checkIn).toEqual({ __typename: 'VenueNotFound', message: expect.stringContaining('VN-00-NOPE'), qrCode: 'VN-00-NOPE' });
      expect(await checkInCount(hub, AN)).toBe(1);
    });

    itWithPostgres('a malformed timestamp and a future one', async () => {
      const malformed = await hub.query(
        `mutation($id: ID!, $person: ID!) { checkIn(id: $id, qrCode: "${DEMO_VENUES.benThanhMarket.qrCode}", personId: $person, at: "yesterday at noon") { __typename } }`,
        { id: randomUUID(), person: AN },
      );
      // Refused while the subgraph validates the literal, before anything runs: the caller's input,
      // coded as the same value sent in a variable is (below).
      expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(malformed.errors?.[0]?.message).toContain('DateTime must be an RFC 3339 string');
      noStackTrace(malformed);
      const malformedVariable = await hub.query(
        `mutation($id: ID!, $person: ID!, $at: DateTime!) { checkIn(id: $id, qrCode: "${DEMO_VENUES.benThanhMarket.qrCode}", personId: $person, at: $at) { __typename } }`,
        { id: randomUUID(), person: AN, at: '2025-02-30T08:00:00Z' },
      );
      expect(malformedVariable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(malformedVariable.errors?.[0]?.message).toContain('not a real instant');
      const future = await hub.query(
        `mutation($id: ID!, $person: ID!, $at: DateTime!) { checkIn(id: $id, qrCode: "${DEMO_VENUES.benThanhMarket.qrCode}", personId: $person, at: $at) { __typename ... on InvalidCheckIn { field } } }`,
        { id: randomUUID(), person: AN, at: new Date(Date.now() + 86_400_000).toISOString() },
      );
      expect(future.data.checkIn).toEqual({ __typename: 'InvalidCheckIn', field: 'at' });
      expect(await checkInCount(hub, AN)).toBe(1);
    });

    itWithPostgres('a check-out before its check-in', async () => {
      const id = randomUUID();
      const at = new Date(Date.now() - 3_600_000);
      const recorded = await hub.query(
        `mutation($id: ID!, $person: ID!, $at: DateTime!) { checkIn(id: $id, qrCode: "${DEMO_VENUES.kinhBacSupermarket.qrCode}", personId: $person, at: $at) { __typename } }`,
        { id, person: DEMO_PEOPLE.long.id, at: at.toISOString() },
      );
      expect(recorded.data.checkIn.__typename).toBe('CheckInRecorded');
      const response = await hub.query(`mutation($id: ID!, $at: DateTime!) { checkOut(id: $id, at: $at) { __typename ... on InvalidCheckOut { field } } }`, {
        id,
        at: new Date(at.getTime() - 60_000).toISOString(),
      });
      expect(response.data.checkOut).toEqual({ __typename: 'InvalidCheckOut', field: 'at' });
      const still = await hub.query(`query($id: ID!) { person(id: $id) { checkIns { id checkedOutAt } } }`, { id: DEMO_PEOPLE.long.id });
      expect(still.data.person.checkIns.find((c: any) => c.id === id).checkedOutAt).toBeNull();
    });

    itWithPostgres('a declaration for an unknown person', async () => {
      const ghost = randomUUID();
      const response = await hub.query(
        `mutation($person: ID!) { submitDeclaration(input: { personId: $person, kind: SYMPTOMS, symptoms: [FEVER] }) { __typename ... on DeclarationPersonNotFound { personId } } }`,
        { person: ghost },
      );
      expect(response.data.submitDeclaration).toEqual({ __typename: 'DeclarationPersonNotFound', personId: ghost });
      expect((await hub.query(`query($id: ID!) { person(id: $id) { id } }`, { id: ghost })).data.person).toBeNull();
    });

    itWithPostgres('a duplicate check-in id: a retry is a no-op, a reuse for someone else is refused', async () => {
      const id = randomUUID();
      const checkIn = (person: string) =>
        hub.query(
          `mutation($id: ID!, $person: ID!) { checkIn(id: $id, qrCode: "${DEMO_VENUES.hoanKiemRestaurant.qrCode}", personId: $person) { __typename ... on CheckInRecorded { duplicate } } }`,
          { id, person },
        );
      expect((await checkIn(DEMO_PEOPLE.ha.id)).data.checkIn).toEqual({ __typename: 'CheckInRecorded', duplicate: false });
      expect((await checkIn(DEMO_PEOPLE.ha.id)).data.checkIn).toEqual({ __typename: 'CheckInRecorded', duplicate: true });
      expect((await checkIn(DEMO_PEOPLE.dung.id)).data.checkIn).toEqual({ __typename: 'CheckInIdConflict' });
      const ha = await hub.query(`query($id: ID!) { person(id: $id) { checkIns { id } } }`, { id: DEMO_PEOPLE.ha.id });
      expect(ha.data.person.checkIns.filter((c: any) => c.id === id)).toHaveLength(1);
    });

    itWithPostgres('an oversized request', async () => {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token()}` },
        body: JSON.stringify({ query: '{ provinces { code } }', variables: { padding: 'x'.repeat(2_000_000) } }),
      });
      expect(response.status).toBe(413);
      const body = await response.json();
      expect(body).toEqual({ errors: [{ message: 'The request body is too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    });
  });
});

async function checkInCount(hub: TestHub, personId: string): Promise<number> {
  const response = await hub.query(`query($id: ID!) { person(id: $id) { checkIns { id } } }`, { id: personId });
  return response.data.person.checkIns.length;
}

describe("a venue's check-ins for a day (the explorer's saved example)", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub?.stop());

  itWithPostgres('lists the visits overlapping the window, newest first, with who it was', async () => {
    const now = Date.now();
    const response = await hub.query(
      `query($qr: String!, $from: DateTime!, $to: DateTime!) { venueByQr(qrCode: $qr) { name checkIns(from: $from, to: $to) { checkedInAt person { fullName } } } }`,
      { qr: DEMO_VENUES.benThanhMarket.qrCode, from: new Date(now - 4 * 86_400_000).toISOString(), to: new Date(now - 86_400_000).toISOString() },
    );
    expect(response.errors).toBeUndefined();
    const visits = response.data.venueByQr.checkIns;
    expect(visits.map((v: any) => v.person.fullName)).toEqual(['Võ Thành Long', 'Lê Minh Châu', 'Trần Thị Bình', 'Nguyễn Văn An']);
    expect([...visits].map((v: any) => v.checkedInAt)).toEqual([...visits].map((v: any) => v.checkedInAt).sort().reverse());
  });
});
