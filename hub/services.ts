import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIONAL_PORTS, provincePort } from '../subgraphs/catalog.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import { nodeFlagsOf } from './node-flags.ts';

/**
 * The hub as separate OS processes, one per service and one for the workers, as production runs
 * it: `npm run start:services` (scripts/start-services.ts) and the end-to-end topology test. Each
 * process is started from its own entry point with nothing but its environment, exactly as the
 * README tells an operator to deploy it.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER_PORT = 4090;

export interface ServiceSpec {
  /** `gateway`, `units`, …, `province-79`, `worker`. */
  name: string;
  /** The entry point, relative to the repository root, without extension (`gateway/index`). */
  entry: string;
  port: number;
  env: Record<string, string>;
  /** How this one runs, whatever the others do (a benchmark's own entry point runs through tsx). */
  runtime?: Runtime;
}

export interface TopologyOptions {
  /** The PostgreSQL server every service uses (each its own database on it). */
  postgresUrl: string;
  dbPrefix: string;
  redisUrl?: string | undefined;
  provinceCodes: readonly string[];
  /** Added to every documented port (0: the ports of `npm start`). */
  portOffset?: number;
  /** Extra environment for every process (LOG_LEVEL, secrets, timeouts…). */
  env?: Record<string, string>;
}

/** Every service of the hub with its entry point, port and environment; the gateway reads the province registry from `registryFile`. */
export function topology(options: TopologyOptions, registryFile: string): { services: ServiceSpec[]; gatewayUrl: string; provinces: Record<string, string> } {
  const offset = options.portOffset ?? 0;
  const url = (port: number) => `http://127.0.0.1:${port}/graphql`;
  const gatewayPort = 4000 + offset;
  const common: Record<string, string> = {
    DATABASE_URL: options.postgresUrl,
    DB_PREFIX: options.dbPrefix,
    GATEWAY_URL: url(gatewayPort),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  };
  const provinces = Object.fromEntries(options.provinceCodes.map((code) => [code, url(provincePort(code) + offset)]));

  const national = (Object.keys(NATIONAL_PORTS) as Array<keyof typeof NATIONAL_PORTS>).map((name) => ({
    name,
    entry: `subgraphs/${name}/index`,
    port: NATIONAL_PORTS[name] + offset,
    env: { ...common, PORT: String(NATIONAL_PORTS[name] + offset) },
  }));
  const shards = options.provinceCodes.map((code) => ({
    name: `province-${code}`,
    entry: 'subgraphs/province/index',
    port: provincePort(code) + offset,
    env: { ...common, PROVINCE_CODE: code, PORT: String(provincePort(code) + offset) },
  }));
  const worker = { name: 'worker', entry: 'workers/index', port: WORKER_PORT + offset, env: { ...common, PORT: String(WORKER_PORT + offset) } };
  const gateway = {
    name: 'gateway',
    entry: 'gateway/index',
    port: gatewayPort,
    env: {
      ...common,
      GATEWAY_PORT: String(gatewayPort),
      PROVINCE_REGISTRY_FILE: registryFile,
      ...Object.fromEntries(national.map((s) => [`${s.name.toUpperCase()}_URL`, url(s.port)])),
    },
  };
  const services: ServiceSpec[] = [...national, ...shards, worker, gateway];
  // In production each process serves /metrics on METRICS_PORT: 1000 above its own port.
  for (const service of services) service.env.METRICS_PORT = String(service.port + 1000);
  return { services, gatewayUrl: url(gatewayPort), provinces };
}

/** How a service's code runs: TypeScript through tsx (development), or the build in dist/ with plain node. */
export type Runtime = 'tsx' | 'dist';

/** One service's OS process: started, killed and restarted by name. */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  /** Exits that nobody asked for (a crash), for the chaos run and the tests. */
  readonly unexpectedExits: Array<{ code: number | null; signal: NodeJS.Signals | null }> = [];
  private stopping = false;

  constructor(
    readonly spec: ServiceSpec,
    private readonly runtime: Runtime,
    private readonly output: (service: string, line: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  start(): void {
    const flags = nodeFlagsOf(this.spec.name);
    const runtime = this.spec.runtime ?? this.runtime;
    const args =
      runtime === 'dist' ? [...flags, join(ROOT, 'dist', `${this.spec.entry}.js`)] : [...flags, '--import', 'tsx', join(ROOT, `${this.spec.entry}.ts`)];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...this.spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.stopping = false;
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line) this.output(this.spec.name, line);
      });
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.unexpectedExits.push({ code, signal });
        this.child = null;
        resolve(code);
      });
    });
  }

  /** Waits until GET /health (or /ready) answers 200. */
  async waitUntilUp(timeoutMs = 60_000, path = '/health'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.child) throw new Error(`${this.spec.name} exited while starting`);
      const ok = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${this.spec.name} did not come up on port ${this.spec.port}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. Resolves with the exit code. */
  // Longer than a process's own grace (stopOnSignals, 10 s): one slow to stop logs why and exits 1 before it is killed.
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    this.stopping = true;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** `kill -9`, as a crash or an OOM kill would end it. */
  kill(): Promise<number | null> {
    return this.stop('SIGKILL');
  }
}

export interface RunningServices {
  gatewayUrl: string;
  services: Map<string, ServiceProcess>;
  get(name: string): ServiceProcess;
  /** Stops every process (the gateway first, the subgraphs and the worker after). */
  stop(): Promise<void>;
  /** `stop`, answering each process's exit code (null: killed by a signal, e.g. after the grace period). */
  stopAll(): Promise<Record<string, number | null>>;
}

/**
 * Starts the topology: the subgraphs first (each migrates its own database), then `beforeGateway`
 * (the launcher seeds demo data there), then the worker and the gateway.
 */
export async function startServices(
  options: TopologyOptions & {
    runtime?: Runtime;
    logger: Logger;
    output?: (service: string, line: string) => void;
    beforeGateway?: () => Promise<void>;
    /** Province URLs the registry lists in place of the shards' own (the chaos run's fault proxy). */
    registryOverrides?: Record<string, string>;
    /** How long each process may take to answer /health (default 60 s). */
    startTimeoutMs?: number;
    /** A service run from another entry point, with more environment (benchmarks only: the trust bench's baseline). */
    replace?: Record<string, { entry: string; runtime: Runtime; env?: Record<string, string> }>;
  },
): Promise<RunningServices> {
  const registryDir = mkdtempSync(join(tmpdir(), 'hub-services-'));
  const registryFile = join(registryDir, 'province-registry.json');
  const { services: planned, gatewayUrl, provinces } = topology(options, registryFile);
  const specs = planned.map((spec): ServiceSpec => {
    const replacement = options.replace?.[spec.name];
    return replacement ? { ...spec, entry: replacement.entry, runtime: replacement.runtime, env: { ...spec.env, ...replacement.env } } : spec;
  });
  writeFileSync(registryFile, JSON.stringify({ provinces: { ...provinces, ...options.registryOverrides } }, null, 2));
  const output = options.output ?? ((service, line) => process.stdout.write(`[${service}] ${line}\n`));
  const services = new Map(specs.map((spec) => [spec.name, new ServiceProcess(spec, options.runtime ?? 'tsx', output)]));
  const get = (name: string) => {
    const service = services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  };
  const stopAll = async () => {
    const codes: Record<string, number | null> = { gateway: await get('gateway').stop() };
    await Promise.all([...services.values()].filter((s) => s.spec.name !== 'gateway').map(async (s) => (codes[s.spec.name] = await s.stop())));
    rmSync(registryDir, { recursive: true, force: true });
    return codes;
  };
  const stop = async () => void (await stopAll());
  try {
    const subgraphs = [...services.values()].filter((s) => s.spec.name !== 'gateway' && s.spec.name !== 'worker');
    for (const s of subgraphs) s.start();
    await Promise.all(subgraphs.map((s) => s.waitUntilUp(options.startTimeoutMs)));
    await options.beforeGateway?.();
    for (const name of ['worker', 'gateway']) get(name).start();
    await Promise.all([get('worker').waitUntilUp(options.startTimeoutMs), get('gateway').waitUntilUp(options.startTimeoutMs)]);
    options.logger.info({ services: specs.map((s) => `${s.name}:${s.port}`) }, 'services running');
  } catch (error) {
    await stop();
    throw error;
  }
  return { gatewayUrl, services, get, stop, stopAll };
}
