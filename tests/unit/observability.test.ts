import { describe, expect, it } from 'vitest';
import type { Job, Processor } from 'bullmq';
import { parseEnv } from '../../subgraphs/shared/env.ts';
import { metricsText, observeQueues, operationLabel, outcomeLabel, startMetrics } from '../../subgraphs/shared/metrics.ts';
import type { QueueBackend } from '../../subgraphs/shared/queues.ts';
import { parsePrometheusText, valueOf } from '../support/prometheus.ts';

describe('observability configuration', () => {
  it('leaves tracing off unless OTEL_TRACES_EXPORTER or an OTLP endpoint asks for it', () => {
    expect(parseEnv({}).tracing).toBeUndefined();
    expect(parseEnv({ OTEL_TRACES_SAMPLER: 'traceidratio' }).tracing).toBeUndefined();
    expect(parseEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toBeUndefined();
    expect(parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      exporter: 'otlp',
      endpoint: 'http://collector:4318',
      sampler: 'parentbased_always_on',
      samplerArg: 1,
    });
    expect(parseEnv({ OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1', OTEL_SERVICE_NAME: 'hub-79' }).tracing).toEqual({
      exporter: 'console',
      sampler: 'parentbased_traceidratio',
      samplerArg: 0.1,
      serviceName: 'hub-79',
    });
  });

  it('reports bad OTEL_* values and METRICS_PORT with the other problems', () => {
    expect(parseEnv({}).metricsPort).toBe(9464);
    expect(parseEnv({ METRICS_PORT: '9100' }).metricsPort).toBe(9100);
    expect(() => parseEnv({ OTEL_TRACES_SAMPLER: 'sometimes', OTEL_TRACES_SAMPLER_ARG: '2', METRICS_PORT: 'x' })).toThrow(
      /OTEL_TRACES_SAMPLER[\s\S]*OTEL_TRACES_SAMPLER_ARG|OTEL_TRACES_SAMPLER_ARG[\s\S]*OTEL_TRACES_SAMPLER/,
    );
  });
});

describe('metric labels', () => {
  it('names an operation by its client name, anonymous ones alike, and caps how many names there are', () => {
    expect(operationLabel(undefined)).toBe('anonymous');
    expect(operationLabel(null)).toBe('anonymous');
    expect(operationLabel('PersonCard__declarations__0')).toBe('PersonCard');
    expect(operationLabel('not a name')).toBe('other');
    for (let i = 0; i < 150; i++) operationLabel(`Invented${i}`);
    expect(operationLabel('Invented149')).toBe('other');
    expect(operationLabel('PersonCard')).toBe('PersonCard'); // seen before the cap
  });

  it('keeps error codes and maps anything else to OTHER', () => {
    expect(outcomeLabel('PROVINCE_UNAVAILABLE')).toBe('PROVINCE_UNAVAILABLE');
    expect(outcomeLabel('drop table')).toBe('OTHER');
    expect(outcomeLabel(42)).toBe('OTHER');
  });
});

describe('job metrics', () => {
  it('times every attempt and counts retries apart from jobs failed for good', async () => {
    startMetrics('unit');
    let processor: Processor<unknown, unknown> | undefined;
    const backend = observeQueues({
      kind: 'redis',
      describe: 'fake',
      createQueue: () => {
        throw new Error('not used');
      },
      createWorker: (_name, p) => {
        processor = p as Processor<unknown, unknown>;
        return {} as never;
      },
      close: async () => {},
    } satisfies QueueBackend);
    let outcome: 'ok' | 'fail' | 'unrecoverable' = 'ok';
    backend.createWorker('unit-queue', async () => {
      if (outcome === 'fail') throw new Error('boom');
      if (outcome === 'unrecoverable') throw Object.assign(new Error('no such case'), { name: 'UnrecoverableError' });
      return 'done';
    });
    const job = (attemptsMade: number) => ({ attemptsMade, opts: { attempts: 3 } }) as unknown as Job;
    await processor!(job(0));
    outcome = 'fail';
    await expect(processor!(job(0))).rejects.toThrow('boom'); // retried
    await expect(processor!(job(2))).rejects.toThrow('boom'); // its third and last attempt
    outcome = 'unrecoverable';
    await expect(processor!(job(0))).rejects.toThrow('no such case');

    const metrics = parsePrometheusText((await metricsText())!);
    expect(valueOf(metrics, 'hub_job_duration_seconds_count', { queue: 'unit-queue', outcome: 'completed', service: 'unit' })).toBe(1);
    expect(valueOf(metrics, 'hub_job_duration_seconds_count', { queue: 'unit-queue', outcome: 'failed' })).toBe(3);
    expect(valueOf(metrics, 'hub_job_retries_total', { queue: 'unit-queue' })).toBe(1);
    expect(valueOf(metrics, 'hub_job_failures_total', { queue: 'unit-queue' })).toBe(2);
  });
});

describe('the Prometheus text parser of the tests', () => {
  it('reads escaped label values, special values and timestamps, and refuses malformed lines', () => {
    const text = [
      '# HELP demo_total A demo.',
      '# TYPE demo_total counter',
      'demo_total{a="x\\"y",b="back\\\\slash",c="line\\nbreak",} 3 1700000000000',
      '# TYPE demo_seconds histogram',
      'demo_seconds_bucket{le="+Inf"} 2',
      'demo_seconds_sum NaN',
      'demo_seconds_count 2',
    ].join('\n');
    const parsed = parsePrometheusText(text);
    expect(parsed.samples[0]).toEqual({ name: 'demo_total', labels: { a: 'x"y', b: 'back\\slash', c: 'line\nbreak' }, value: 3 });
    expect(valueOf(parsed, 'demo_seconds_count')).toBe(2);
    expect(parsed.types.get('demo_seconds')).toBe('histogram');
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1"')).toThrow(/line 2/);
    expect(() => parsePrometheusText('undeclared 1')).toThrow(/without # TYPE/);
    expect(() => parsePrometheusText('# TYPE x gauge\nx one')).toThrow(/not a number/);
  });
});
