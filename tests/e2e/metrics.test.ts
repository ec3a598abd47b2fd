import { afterAll, beforeAll, describe, expect } from 'vitest';
import { ServiceProcess } from '../../hub/services.ts';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { dropDatabasesWithPrefix, startTestHub, type TestHub } from '../support/hub.ts';
import { freePort } from '../support/ports.ts';
import { scrape, samplesOf, valueOf } from '../support/prometheus.ts';
import { itWithPostgres, postgresUrl, uniquePrefix } from '../support/services.ts';

const PERSON = /* GraphQL */ `query MetricsPerson($id: ID!) { person(id: $id) { fullName residence { name province { name hotline } } } }`;
const metricsOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/metrics');

/**
 * GET /metrics in Prometheus' text format (parsed by tests/support/prometheus.ts), on the gateway,
 * every subgraph and the worker process; in production on METRICS_PORT only.
 */
describe('metrics in development: /metrics on each server of the hub', () => {
  let hub: TestHub;
  beforeAll(async () => {
    // No tracing workers: the demo case's run would ask the graph meanwhile and move the counters.
    if (postgresUrl()) hub = await startTestHub({ tracingWorkers: false });
  });
  afterAll(async () => hub?.stop());

  const subgraphMetrics = (name: string, provinceCode?: string) => metricsOf(hub.hub.subgraphs.find((s) => s.name === name && s.provinceCode === provinceCode)!.url);

  itWithPostgres('counts requests by server, operation and outcome, with their latency, the gateway’s fetches and the SQL and audit behind them', async () => {
    const before = await scrape(metricsOf(hub.url));
    const requests = (m: typeof before, server: string, outcome = 'ok') => valueOf(m, 'hub_graphql_requests_total', { server, operation: 'MetricsPerson', outcome });
    const database = hub.hub.subgraphs.find((s) => s.name === 'declarations')!.database.sql.options.database as string;

    for (let i = 0; i < 3; i++) {
      const answer = await hub.query(PERSON, { id: DEMO_PEOPLE.an.id });
      expect(answer.errors).toBeUndefined();
      expect(answer.data.person.residence.province.hotline).toBeTruthy();
    }
    const unauthenticated = await hub.query(PERSON, { id: DEMO_PEOPLE.an.id }, { token: null });
    expect(unauthenticated.status).toBe(401);

    const after = await scrape(metricsOf(hub.url));
    expect(requests(after, 'gateway') - requests(before, 'gateway')).toBe(3);
    expect(valueOf(after, 'hub_graphql_request_duration_seconds_count', { server: 'gateway', operation: 'MetricsPerson' }) -
      valueOf(before, 'hub_graphql_request_duration_seconds_count', { server: 'gateway', operation: 'MetricsPerson' })).toBe(3);
    // Refused before an operation was read: no operation name to give.
    expect(valueOf(after, 'hub_graphql_requests_total', { server: 'gateway', operation: 'unknown', outcome: 'UNAUTHENTICATED' }) -
      valueOf(before, 'hub_graphql_requests_total', { server: 'gateway', operation: 'unknown', outcome: 'UNAUTHENTICATED' })).toBe(1);
    // The subgraphs count the same operation under the client's name, one request per fetch.
    expect(requests(after, 'declarations') - requests(before, 'declarations')).toBe(3);
    // Wards and a province's hotline are public: the gateway asked units and province 79 for An's
    // at most once each, and then kept the answer.
    const cached = (m: typeof before, subgraph: string) => valueOf(m, 'hub_gateway_entity_cache_total', { subgraph, outcome: 'hit' });
    for (const [server, subgraph] of [['units', 'units'], ['province-79', 'province']] as const) {
      const asked = requests(after, server) - requests(before, server);
      expect(asked, server).toBeLessThanOrEqual(1);
      expect(cached(after, subgraph) - cached(before, subgraph), server).toBe(3 - asked);
    }
    const fetched = (m: typeof before, subgraph: string, province = '') => valueOf(m, 'hub_subgraph_fetches_total', { subgraph, province, outcome: 'ok' });
    expect(fetched(after, 'declarations') - fetched(before, 'declarations')).toBe(3);
    expect(fetched(after, 'province', '79') - fetched(before, 'province', '79')).toBe(requests(after, 'province-79') - requests(before, 'province-79'));
    expect(valueOf(after, 'hub_subgraph_fetch_duration_seconds_count', { subgraph: 'province', province: '79' })).toBeGreaterThanOrEqual(1);
    // Reading people is audited: one INSERT per request at least, and SQL on the declarations database.
    expect(valueOf(after, 'hub_audit_records_written_total', { subgraph: 'declarations' }) - valueOf(before, 'hub_audit_records_written_total', { subgraph: 'declarations' })).toBe(3);
    expect(valueOf(after, 'hub_audit_write_duration_seconds_count', { subgraph: 'declarations', outcome: 'ok' })).toBeGreaterThan(0);
    expect(valueOf(after, 'hub_db_queries_total', { database, outcome: 'ok' }) - valueOf(before, 'hub_db_queries_total', { database, outcome: 'ok' })).toBeGreaterThanOrEqual(6);
    expect(valueOf(after, 'hub_db_query_duration_seconds_count', { database })).toBeGreaterThan(0);
    expect(samplesOf(after, 'hub_db_queries_in_flight', { database })).toHaveLength(1);

    // One registry for the process: every series says which service, and the defaults are there.
    expect(after.samples.every((s) => s.labels.service === 'hub')).toBe(true);
    expect(after.types.get('hub_nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(valueOf(after, 'hub_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(after.types.get('hub_graphql_request_duration_seconds')).toBe('histogram');
  });

  itWithPostgres('every subgraph and province shard serves /metrics; the gateway’s probes give each province’s availability', async () => {
    for (const subgraph of hub.hub.subgraphs) {
      const metrics = await scrape(metricsOf(subgraph.url));
      expect(metrics.types.get('hub_graphql_requests_total'), subgraph.name).toBe('counter');
    }
    const metrics = await scrape(subgraphMetrics('units'));
    for (const code of ['01', '24', '79']) expect(valueOf(metrics, 'hub_province_up', { province: code })).toBe(1);
    expect(valueOf(metrics, 'hub_subgraph_up', { subgraph: 'declarations' })).toBe(1);
  });

  itWithPostgres('counts a nationwide fan-out per province, unregistered provinces apart', async () => {
    const answer = await hub.query(`query MetricsProvinces { provinces { code hotline } }`);
    expect(answer.data.provinces.length).toBe(34);
    const metrics = await scrape(metricsOf(hub.url));
    for (const code of ['01', '24', '79']) expect(valueOf(metrics, 'hub_subgraph_fetches_total', { subgraph: 'province', province: code, outcome: 'ok' })).toBeGreaterThan(0);
    // 31 provinces have no shard in this hub.
    const unregistered = samplesOf(metrics, 'hub_subgraph_fetches_total', { subgraph: 'province', outcome: 'unregistered' });
    expect(new Set(unregistered.map((s) => s.labels.province)).size).toBe(31);
    expect(valueOf(metrics, 'hub_graphql_requests_total', { server: 'gateway', operation: 'MetricsProvinces', outcome: 'PROVINCE_UNAVAILABLE' })).toBe(1);
  });

  itWithPostgres('the hub’s queues show their depth by state', async () => {
    const metrics = await scrape(metricsOf(hub.url));
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      expect(samplesOf(metrics, 'hub_queue_jobs', { queue: 'tracing-runs', state }), state).toHaveLength(1);
    }
  });
});

describe('metrics in production: only on METRICS_PORT', () => {
  let hub: TestHub;
  beforeAll(async () => {
    if (postgresUrl()) hub = await startTestHub({ production: true, metricsPort: 0 });
  });
  afterAll(async () => hub?.stop());

  itWithPostgres('the public ports have no /metrics; METRICS_PORT serves it', async () => {
    expect((await hub.query(PERSON, { id: DEMO_PEOPLE.an.id })).data.person.fullName).toBe(DEMO_PEOPLE.an.fullName);
    expect((await fetch(metricsOf(hub.url))).status).toBe(404);
    for (const subgraph of hub.hub.subgraphs) expect((await fetch(metricsOf(subgraph.url))).status, subgraph.name).toBe(404);
    const metrics = await scrape(hub.hub.metricsUrl!);
    expect(valueOf(metrics, 'hub_graphql_requests_total', { server: 'gateway', operation: 'MetricsPerson', outcome: 'ok' })).toBeGreaterThan(0);
  });
});

describe('the worker process’s /metrics', () => {
  let worker: ServiceProcess | undefined;
  const dbPrefix = uniquePrefix('wmetrics');
  beforeAll(async () => {
    const server = postgresUrl();
    if (!server) return;
    const port = await freePort();
    worker = new ServiceProcess(
      {
        name: 'worker',
        entry: 'workers/index',
        port,
        // The queues on BullMQ's PostgreSQL backend, in this test's own databases.
        env: { DATABASE_URL: server, DB_PREFIX: dbPrefix, PORT: String(port), LOG_LEVEL: 'warn', REDIS_URL: '' },
      },
      'tsx',
      () => {},
    );
    worker.start();
    await worker.waitUntilUp(90_000);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    const server = postgresUrl();
    if (server) await dropDatabasesWithPrefix(server, dbPrefix);
  }, 60_000);

  itWithPostgres('shows each queue’s depth and its jobs (the maintenance job runs once at start)', async () => {
    let metrics = await scrape(`${worker!.baseUrl}/metrics`);
    for (const queue of ['tracing-runs', 'tracing-task-deliveries', 'checkins-maintenance']) {
      expect(samplesOf(metrics, 'hub_queue_jobs', { queue, state: 'waiting', service: 'worker' }), queue).toHaveLength(1);
    }
    await expect
      .poll(async () => {
        metrics = await scrape(`${worker!.baseUrl}/metrics`);
        return valueOf(metrics, 'hub_job_duration_seconds_count', { queue: 'checkins-maintenance', outcome: 'completed' });
      }, { timeout: 30_000, interval: 250 })
      .toBeGreaterThanOrEqual(1);
    expect(metrics.types.get('hub_job_retries_total')).toBe('counter');
    expect(valueOf(metrics, 'hub_db_queries_total', { service: 'worker' })).toBeGreaterThan(0);
  }, 60_000);
});
