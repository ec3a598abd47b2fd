import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEMO_CASE, DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { seedDemoOnServer } from '../../hub/launch.ts';
import { startServices, type RunningServices } from '../../hub/services.ts';
import { dropDatabasesWithPrefix, TEST_SECRETS } from '../support/hub.ts';
import { freePortOffset } from '../support/ports.ts';
import { itWithPostgres, postgresUrl, redisUrl, uniquePrefix } from '../support/services.ts';

const CONFIRM = /* GraphQL */ `
  mutation($input: ConfirmCaseInput!) { confirmCase(input: $input) { __typename ... on CaseConfirmed { case { id } } } }`;
const RUN = /* GraphQL */ `query($id: ID!) { case(id: $id) { run { status f1Count provincesNotified } contacts { id person { id } } } }`;
const TASKS = (province: string) => `{ province(code: "${province}") { tracingTasks { contact { id } } } }`;


/**
 * The hub as production runs it: each service its own OS process started from its entry point
 * with only its environment, the background jobs in the worker process (hub/services.ts, what
 * `npm run start:services` starts).
 */
describe('the hub as separate processes', () => {
  let services: RunningServices;
  let token: string;
  const dbPrefix = uniquePrefix('svc');

  const query = async (q: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(services.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: q, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
  };
  /** A case whose infectious window (from two days before an onset four days ago) holds the demo check-ins. */
  const confirmAndTrace = async (personId: string, province: string) => {
    const id = randomUUID();
    const confirmed = await query(CONFIRM, { input: { id, personId, province, confirmedAt: new Date().toISOString(), onsetAt: new Date(Date.now() - 4 * 86_400_000).toISOString() } });
    expect(confirmed.data?.confirmCase.__typename).toBe('CaseConfirmed');
    let last: any;
    await expect
      .poll(async () => {
        last = (await query(RUN, { id })).data?.case;
        return last?.run?.status;
      }, { timeout: 60_000, interval: 250 })
      .toBe('SUCCEEDED');
    return last as { run: { f1Count: number; provincesNotified: string[] }; contacts: Array<{ id: string }> };
  };
  const tasksOf = async (province: string) => ((await query(TASKS(province))).data?.province.tracingTasks as Array<{ contact: { id: string } }>).map((t) => t.contact.id);

  beforeAll(async () => {
    const server = postgresUrl();
    if (!server) return;
    const logger = createLogger('test-services', 'silent');
    const env = { LOG_LEVEL: 'warn', SUBGRAPH_TIMEOUT_MS: '3000', PROVINCE_TIMEOUT_MS: '1500', MAINTENANCE_EVERY_MS: '600000' };
    services = await startServices({
      postgresUrl: server,
      dbPrefix,
      redisUrl: redisUrl() ?? undefined,
      provinceCodes: ['01', '24', '79'],
      portOffset: await freePortOffset(['01', '24', '79']),
      env,
      logger,
      output: () => {},
      beforeGateway: () => seedDemoOnServer({ postgresUrl: server, dbPrefix, redisUrl: redisUrl() ?? undefined, nationalIdKey: TEST_SECRETS.nationalIdKey, logger }),
    });
    token = await signCallerToken(TEST_SECRETS.jwt, { subject: 'services-test', role: 'national_official' });
  }, 180_000);
  afterAll(async () => {
    const codes = await services?.stopAll();
    const server = postgresUrl();
    if (server) await dropDatabasesWithPrefix(server, dbPrefix);
    // Every process stopped on SIGTERM by itself, with exit code 0 (none had to be killed).
    if (codes) expect(Object.values(codes).every((code) => code === 0), JSON.stringify(codes)).toBe(true);
  }, 60_000);

  itWithPostgres('the worker process traces a confirmed case and its tasks arrive in the contacts’ provinces', async () => {
    // The demo case (An, confirmed by the seed, its run queued before the worker started), whose
    // contacts live in 79 and 01 (Châu, of Hà Nội, met him at Chợ Bến Thành). Read from the demo case, not a case
    // confirmed here: a new case for one of them is in An's chain, and its run rightly tasks nobody
    // An's run already follows (issue 14), so what it finds depends on whether An's run came first.
    let traced: any;
    await expect
      .poll(async () => {
        traced = (await query(RUN, { id: DEMO_CASE.id })).data?.case;
        return traced?.run?.status;
      }, { timeout: 60_000, interval: 250 })
      .toBe('SUCCEEDED');
    expect(traced.run.f1Count).toBeGreaterThanOrEqual(2);
    expect(traced.contacts.length).toBeGreaterThanOrEqual(2);
    expect(traced.run.provincesNotified).toEqual(expect.arrayContaining(['01', '79']));
    const delivered = new Set([...(await tasksOf('79')), ...(await tasksOf('24')), ...(await tasksOf('01'))]);
    for (const contact of traced.contacts as Array<{ id: string }>) expect(delivered.has(contact.id)).toBe(true);
  }, 90_000);

  itWithPostgres('a service process killed with SIGKILL and started again serves as before; the rest answered meanwhile', async () => {
    const tracing = services.get('tracing');
    await tracing.kill();
    // While tracing is down, the rest of the graph answers, with a coded error where tracing was asked.
    const partial = await query(`query($id: ID!) { person(id: $id) { fullName cases { id } } }`, { id: DEMO_PEOPLE.binh.id });
    expect(partial.data?.person.fullName).toBe(DEMO_PEOPLE.binh.fullName);
    expect(partial.errors?.map((e) => e.extensions?.code)).toEqual(['SUBGRAPH_UNAVAILABLE']);

    tracing.start();
    await tracing.waitUntilUp();
    // The run succeeds (confirmAndTrace waits for it). Bình was An's F1 (the test above), so her
    // contacts are already followed in that chain and are not tasked again: no F1 count to expect.
    const traced = await confirmAndTrace(DEMO_PEOPLE.binh.id, '79');
    expect(traced.run).toMatchObject({ f1Count: expect.any(Number) });
    // The kill was ours; no other process exited.
    for (const s of services.services.values()) expect(s.unexpectedExits).toEqual([]);
  }, 120_000);

  itWithPostgres('every process answers /health; subgraphs and the worker answer /ready with their database', async () => {
    for (const s of services.services.values()) {
      expect((await fetch(`${s.baseUrl}/health`)).status, s.spec.name).toBe(200);
    }
    const worker = await (await fetch(`${services.get('worker').baseUrl}/ready`)).json();
    expect(worker).toEqual({ ready: true, databases: { analytics: 'up', checkins: 'up', testing: 'up', tracing: 'up', vaccination: 'up' } });
  });
});
