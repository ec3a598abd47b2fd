import { afterAll, beforeAll, describe, expect } from 'vitest';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { eq } from 'drizzle-orm';
import { metricsText, startMetrics } from '../../subgraphs/shared/metrics.ts';
import { startTracing } from '../../subgraphs/shared/telemetry.ts';
import { provinces } from '../../subgraphs/units/db/schema.ts';
import { unitsModule } from '../../subgraphs/units/server.ts';
import { parsePrometheusText, valueOf } from '../support/prometheus.ts';
import { createTestDatabase, itWithPostgres, postgresUrl, type TestDatabase } from '../support/services.ts';

/**
 * The SQL spans and metrics of a subgraph's pool (subgraphs/shared/db.ts `connect` wraps the
 * postgres.js client, telemetry.ts `instrumentSql`): every way the hub sends a statement (drizzle,
 * drizzle transactions, tagged templates, `unsafe`, a reserved connection) gives one span, child of
 * the span active when it was sent, with `db.system=postgresql` and the statement's text cut short.
 */
describe('SQL spans and metrics', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: { shutdown(): Promise<void> } | undefined;
  let database: TestDatabase<typeof unitsModule.tables>;

  beforeAll(async () => {
    if (!postgresUrl()) return;
    startMetrics('sql-test');
    tracing = await startTracing({ exporter: 'otlp', sampler: 'always_on', samplerArg: 1 }, 'sql-test', exporter);
    database = await createTestDatabase(unitsModule, 'sqlspans'); // connect() after tracing: observed
  });
  afterAll(async () => {
    await database?.drop();
    await tracing?.shutdown();
  });

  /** Runs `work` inside a parent span; the SQL spans it made, each checked to be that parent's child. */
  const sqlSpansOf = async (work: () => Promise<unknown>): Promise<ReadableSpan[]> => {
    exporter.reset();
    const tracer = trace.getTracer('sql-test');
    const parentId = await tracer.startActiveSpan('resolver', async (span) => {
      try {
        await work();
      } finally {
        span.end();
      }
      return span.spanContext().spanId;
    });
    const spans = exporter.getFinishedSpans().filter((s) => s.attributes['db.system'] === 'postgresql');
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(parentId);
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.attributes['db.namespace']).toBe(database.name);
    }
    return spans;
  };
  const statements = (spans: ReadableSpan[]) => spans.map((s) => String(s.attributes['db.statement']));

  itWithPostgres('drizzle’s queries and transactions', async () => {
    const { db } = database;
    const spans = await sqlSpansOf(async () => {
      await db.select().from(provinces).where(eq(provinces.code, '79'));
      await db.transaction(async (tx) => {
        await tx.insert(provinces).values({ code: '99', name: 'Thử nghiệm', kind: 'tỉnh' });
        await tx.delete(provinces).where(eq(provinces.code, '99'));
      });
    });
    const text = statements(spans);
    expect(text[0]).toMatch(/^select .* from "provinces" where "provinces"."code" = \$1$/);
    expect(spans[0]!.name).toBe(`SELECT ${database.name}`);
    // postgres.js sends BEGIN and COMMIT itself; the transaction's statements are observed.
    expect(text.slice(1)).toEqual([expect.stringMatching(/^insert into "provinces"/), expect.stringMatching(/^delete from "provinces"/)]);
    // Parameters are never recorded, only placeholders.
    expect(text.join(' ')).not.toContain('Thử nghiệm');
  });

  itWithPostgres('tagged templates (a nested fragment is part of its statement, not run alone), unsafe, a reserved connection', async () => {
    const { sql } = database;
    const spans = await sqlSpansOf(async () => {
      const code = '79';
      await sql`select name from provinces where code = ${code} ${sql`and kind is not null`}`;
      await sql.unsafe('select count(*) from provinces');
      const reserved = await sql.reserve();
      await reserved.unsafe('begin');
      await reserved`select 1`;
      await reserved`rollback`.catch(() => {}); // awaited through catch: observed all the same
      reserved.release();
    });
    expect(statements(spans)[0]).toMatch(/^select name from provinces where code = \$1 /);
    expect(statements(spans).slice(1)).toEqual(['select count(*) from provinces', 'begin', 'select 1', 'rollback']);
  });

  itWithPostgres('a failing statement is an error span and an error count; a long one is cut short', async () => {
    const { sql } = database;
    const before = parsePrometheusText((await metricsText())!);
    const long = `select 1 as x ${'-- padding\n'.repeat(500)}`;
    const spans = await sqlSpansOf(async () => {
      await expect(sql.unsafe('select * from no_such_table')).rejects.toThrow(/no_such_table/);
      await sql.unsafe(long);
    });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(String(spans[1]!.attributes['db.statement'])).toHaveLength(2_001);
    expect(String(spans[1]!.attributes['db.statement']).endsWith('…')).toBe(true);

    const after = parsePrometheusText((await metricsText())!);
    const count = (m: typeof before, outcome: string) => valueOf(m, 'hub_db_queries_total', { database: database.name, outcome, service: 'sql-test' });
    expect(count(after, 'error') - count(before, 'error')).toBe(1);
    expect(count(after, 'ok') - count(before, 'ok')).toBe(1);
    expect(valueOf(after, 'hub_db_queries_in_flight', { database: database.name })).toBe(0);
  });
});
