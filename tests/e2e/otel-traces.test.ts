import { afterAll, beforeAll, describe, expect } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { startTracing } from '../../subgraphs/shared/telemetry.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres, postgresUrl } from '../support/services.ts';

const PERSON = /* GraphQL */ `query TracedPerson($id: ID!) { person(id: $id) { fullName residence { name province { name hotline } } } }`;

/**
 * OpenTelemetry through the whole hub in one process, the spans caught by an in-memory exporter:
 * one trace from the gateway's request through each subgraph and province shard it calls to their
 * SQL, linked parent to child by the W3C traceparent the gateway sends; log lines carry the ids.
 */
describe('traces from the gateway to PostgreSQL', () => {
  const exporter = new InMemorySpanExporter();
  const lines: string[] = [];
  let tracing: { shutdown(): Promise<void> } | undefined;
  let hub: TestHub;

  beforeAll(async () => {
    if (!postgresUrl()) return;
    tracing = await startTracing({ exporter: 'otlp', sampler: 'parentbased_always_on', samplerArg: 1 }, 'test-hub', exporter);
    hub = await startTestHub({ logger: createLogger('test-hub', 'debug', { write: (line: string) => void lines.push(line) }) });
  });
  afterAll(async () => {
    await hub?.stop();
    await tracing?.shutdown();
  });

  const attribute = (span: ReadableSpan, name: string) => span.attributes[name];
  const serverSpan = (spans: ReadableSpan[], server: string) => spans.find((s) => s.kind === SpanKind.SERVER && attribute(s, 'hub.server') === server);
  /** The spans of the test's request (the demo case's tracing run asks the gateway meanwhile), once the gateway's span has ended. */
  const lastRequest = async () => {
    const ours = () => exporter.getFinishedSpans().find((s) => attribute(s, 'hub.server') === 'gateway' && attribute(s, 'graphql.operation.name') === 'TracedPerson');
    await expect.poll(ours).toBeDefined();
    const gateway = ours()!;
    return { gateway, spans: exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === gateway.spanContext().traceId) };
  };

  itWithPostgres('one trace: gateway → subgraph and province shard → SQL, each span the child of the one that caused it', async () => {
    exporter.reset();
    const answer = await hub.query(PERSON, { id: DEMO_PEOPLE.an.id });
    expect(answer.data.person.residence.province.hotline).toBeTruthy();
    const { gateway, spans } = await lastRequest();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parent = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? '');
    const ancestors = (span: ReadableSpan): ReadableSpan[] => {
      const chain: ReadableSpan[] = [];
      for (let p = parent(span); p; p = parent(p)) chain.push(p);
      return chain;
    };
    const databaseOf = (name: string, code?: string) => hub.hub.subgraphs.find((s) => s.name === name && s.provinceCode === code)!.database.sql.options.database;

    expect(gateway.parentSpanContext).toBeUndefined(); // the trace starts at the gateway
    expect(ancestors(spans.find((s) => s.name === 'gateway.request')!)).toContain(gateway); // @apollo/gateway's own spans join it

    for (const [server, fetchName, database] of [
      ['declarations', 'fetch declarations', databaseOf('declarations')],
      ['province-79', 'fetch province 79', databaseOf('province', '79')],
    ] as const) {
      const subgraph = serverSpan(spans, server);
      expect(subgraph, server).toBeDefined();
      // The subgraph continued the gateway's trace: its parent is the gateway's call to it.
      const call = parent(subgraph!)!;
      expect(call.name).toBe(fetchName);
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(ancestors(call)).toContain(gateway);
      expect(attribute(subgraph!, 'hub.request_id')).toBe(attribute(gateway, 'hub.request_id'));

      const sql = spans.filter((s) => attribute(s, 'db.system') === 'postgresql' && attribute(s, 'db.namespace') === database);
      expect(sql.length, server).toBeGreaterThan(0);
      for (const statement of sql) {
        expect(statement.kind).toBe(SpanKind.CLIENT);
        expect(ancestors(statement)).toContain(subgraph);
        expect(String(attribute(statement, 'db.statement'))).toMatch(/select|insert|with/i);
      }
    }
    // The audit record of reading An is an INSERT in the declarations request's trace.
    expect(spans.some((s) => attribute(s, 'db.namespace') === databaseOf('declarations') && /^insert into audit_records/i.test(String(attribute(s, 'db.statement')).trim()))).toBe(true);
  });

  itWithPostgres('log lines written while a request is handled carry its trace id and the gateway’s request id, in the subgraphs too', async () => {
    exporter.reset();
    lines.length = 0;
    await hub.query(PERSON, { id: DEMO_PEOPLE.binh.id });
    const { gateway } = await lastRequest();
    const traceId = gateway.spanContext().traceId;
    const requestId = attribute(gateway, 'hub.request_id');
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.traceId === traceId);
    expect(logged.find((line) => line.service === 'gateway' && line.msg === 'graphql request')).toMatchObject({ requestId, operation: 'TracedPerson', outcome: 'ok' });
    expect(logged.find((line) => line.subgraph === 'declarations' && line.msg === 'graphql request')).toMatchObject({ requestId, operation: 'TracedPerson' });
  });

  itWithPostgres('a caller’s own traceparent does not choose the gateway’s trace', async () => {
    exporter.reset();
    const theirs = '0af7651916cd43dd8448eb211c80319c';
    await hub.query(PERSON, { id: DEMO_PEOPLE.an.id }, { headers: { traceparent: `00-${theirs}-b7ad6b7169203331-01` } });
    const { gateway, spans } = await lastRequest();
    expect(gateway.spanContext().traceId).not.toBe(theirs);
    expect(spans.every((s) => s.spanContext().traceId !== theirs)).toBe(true);
    expect(serverSpan(spans, 'declarations')).toBeDefined();
  });
});
