import { createHook } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, type GatewayService } from '../../gateway/server.ts';
import { ProvinceRegistry } from '../../gateway/province-registry.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { TEST_SECRETS } from '../support/hub.ts';
import { startFakeSubgraph, type FakeSubgraph } from '../support/fake-subgraph.ts';

// No database needed: fake subgraphs that count the /health probes reaching them.
const INTERVAL_MS = 300;
const NATIONAL = ['units', 'declarations', 'checkins', 'tracing'] as const;

/**
 * Timers created from the moment `watch` is called and not yet fired or cleared (async_hooks
 * sees each one; process.getActiveResourcesInfo() counts one Timeout per delay, not per timer).
 */
function timerWatch() {
  const live = new Map<number, NodeJS.Timeout>();
  const hook = createHook({
    init: (id, type, _trigger, resource) => void (type === 'Timeout' && live.set(id, resource as NodeJS.Timeout)),
    destroy: (id) => void live.delete(id),
  }).enable();
  return {
    /** The ones that keep the process alive. */
    pending: () => [...live.values()].filter((timer) => timer.hasRef()).length,
    stop: () => void hook.disable(),
  };
}

async function startGateway(fakes: Record<string, FakeSubgraph>): Promise<GatewayService> {
  return buildGateway({
    supergraphPath: SUPERGRAPH_FILE,
    subgraphUrls: Object.fromEntries(NATIONAL.map((name) => [name, fakes[name]!.url])),
    secrets: TEST_SECRETS,
    subgraphTimeoutMs: 2_000,
    provinceRegistry: ProvinceRegistry.fromMap({ '79': fakes['79']!.url }),
    provinceTimeoutMs: 1_000,
    maxBodyBytes: 1_000_000,
    production: false,
    readyProbeIntervalMs: INTERVAL_MS,
    readyProbeTimeoutMs: 500,
    logger: createLogger('test-gateway', 'silent'),
  });
}

describe('gateway /ready: probes in the background, answers from the last round', () => {
  const fakes: Record<string, FakeSubgraph> = {};
  let gateway: GatewayService;
  let readyUrl: string;
  let timers: ReturnType<typeof timerWatch>;
  let stopped = false;

  beforeAll(async () => {
    for (const name of [...NATIONAL, '79']) fakes[name] = await startFakeSubgraph();
    timers = timerWatch();
    gateway = await startGateway(fakes);
    readyUrl = `${await gateway.listen(0)}/ready`;
  });
  afterAll(async () => {
    timers?.stop();
    if (!stopped) await gateway?.stop();
    await Promise.all(Object.values(fakes).map((f) => f.close()));
  });

  const ready = async () => (await (await fetch(readyUrl)).json()) as { ready: boolean; subgraphs: Record<string, string>; provinces: Record<string, string>; checkedAt: string; ageMs: number };

  it('many calls cost no more probes than the interval allows, and say how old the answer is', async () => {
    const first = await ready();
    expect(first).toMatchObject({ ready: true, subgraphs: { units: 'up', declarations: 'up', checkins: 'up', tracing: 'up' }, provinces: { '79': 'up' } });
    expect(typeof first.ageMs).toBe('number');
    expect(Date.parse(first.checkedAt)).not.toBeNaN();

    const probesBefore = fakes.units!.healthChecks();
    const started = performance.now();
    for (let i = 0; i < 10; i += 1) await Promise.all(Array.from({ length: 20 }, ready));
    const elapsed = performance.now() - started;
    // 200 calls; one probe per round at most, rounds no closer than the interval (+2 for the edges).
    const allowed = Math.floor(elapsed / INTERVAL_MS) + 2;
    expect(fakes.units!.healthChecks() - probesBefore).toBeLessThanOrEqual(allowed);
    expect(fakes['79']!.healthChecks()).toBeLessThan(200);
  });

  it('a subgraph or province taken down shows down within a couple of intervals', async () => {
    fakes.tracing!.setDown(true);
    await fakes['79']!.close();
    await expect
      .poll(async () => {
        const { subgraphs, provinces } = await ready();
        return [subgraphs.tracing, subgraphs.units, provinces['79']];
      }, { timeout: 10 * INTERVAL_MS + 2_000, interval: 100 })
      .toEqual(['down', 'up', 'down']);
    fakes.tracing!.setDown(false);
    await expect.poll(async () => (await ready()).subgraphs.tracing, { timeout: 10 * INTERVAL_MS + 2_000, interval: 100 }).toBe('up');
  });

  it('gateway.stop() stops the probes and leaves no timer behind', async () => {
    await gateway.stop();
    stopped = true;
    const probes = fakes.units!.healthChecks();
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_MS));
    expect(fakes.units!.healthChecks()).toBe(probes);
    await new Promise((resolve) => setImmediate(resolve)); // async_hooks reports the sleep's end a turn later
    expect(timers.pending()).toBe(0);
  });
});
