import { performance } from 'node:perf_hooks';
import { request, type Agent } from 'undici';

export type ProbeState = 'up' | 'down';

export interface ReadinessSnapshot {
  subgraphs: Record<string, ProbeState>;
  provinces: Record<string, ProbeState>;
  /** When this round of probes finished. */
  checkedAt: Date;
  /** How old the round is now, in ms. */
  ageMs: number;
}

export interface ReadinessOptions {
  /** National subgraph name → GraphQL URL, and province code → GraphQL URL, read anew each round. */
  subgraphs: () => Iterable<[string, string]>;
  provinces: () => Iterable<[string, string]>;
  agent: Agent;
  intervalMs: number;
  /** Per probe: a subgraph that has not answered its /health by then is down. */
  timeoutMs: number;
}

/**
 * The state of every subgraph and province shard for /ready, probed in the background: /ready is
 * unauthenticated, so a request to it must not fan out to ~40 services. One round at a time, the
 * next `intervalMs` after the last one finished; /ready answers from the last round (the very
 * first call waits for the first round).
 */
export class Readiness {
  private latest: Omit<ReadinessSnapshot, 'ageMs'> & { finishedAt: number } = { subgraphs: {}, provinces: {}, checkedAt: new Date(0), finishedAt: 0 };
  private running: Promise<void> = Promise.resolve();
  private first: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ReadinessOptions) {}

  start(): void {
    if (this.first || this.stopped) return;
    this.first = this.round();
  }

  async snapshot(): Promise<ReadinessSnapshot> {
    await this.first;
    const { finishedAt, ...rest } = this.latest;
    return { ...rest, ageMs: Math.round(performance.now() - finishedAt) };
  }

  /** Stops the timer and waits for a round in flight, so nothing is left running. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private round(): Promise<void> {
    this.running = (async () => {
      const probe = (entries: Iterable<[string, string]>) =>
        Promise.all([...entries].map(async ([name, url]) => [name, (await this.answers(url)) ? 'up' : 'down'] as const)).then(
          (states) => Object.fromEntries(states) as Record<string, ProbeState>,
        );
      const [subgraphs, provinces] = await Promise.all([probe(this.options.subgraphs()), probe(this.options.provinces())]);
      this.latest = { subgraphs, provinces, checkedAt: new Date(), finishedAt: performance.now() };
      if (!this.stopped) this.timer = setTimeout(() => void this.round(), this.options.intervalMs);
    })();
    return this.running;
  }

  /** A subgraph answers when its /health route does, within the probe timeout. */
  private async answers(graphqlUrl: string): Promise<boolean> {
    try {
      const url = new URL(graphqlUrl);
      url.pathname = '/health';
      const response = await request(url, { dispatcher: this.options.agent, signal: AbortSignal.timeout(this.options.timeoutMs) });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }
}
