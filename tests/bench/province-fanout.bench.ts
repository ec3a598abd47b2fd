/**
 * Fan-out: the same query shape answered by 1 province and by all 34, through the gateway, in
 * one run. 34 province deployments run as separate processes (as each provincial center runs its
 * own), each with its own database on the PostgreSQL server. Target: 34-province p50 ≤ 1.5 × the
 * 1-province p50, because the router calls the shards in parallel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { startHub } from '../../hub/launch.ts';
import { databaseName, databaseUrl } from '../../subgraphs/shared/db.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { PROVINCES } from '../../subgraphs/units/directory.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { freePort } from '../support/ports.ts';
import { benchPostgres, fmt, machine, measure } from './support.ts';

const N = Number(process.argv[2] ?? 300);
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
const prefix = `bench_fanout_${process.pid}`;
const root = fileURLToPath(new URL('../../', import.meta.url));

// Its own embedded server (300 connections): 34 shards' pools and outbox relays outgrow a default server's 100.
const server = await benchPostgres({ own: true });
console.log(`machine: ${await machine()}; PostgreSQL: ${server.describe}`);
const children: ChildProcess[] = [];
const registry: Record<string, string> = {};
try {
  // 34 shards, each its own process and database.
  // Ports picked before any shard binds one: the OS may offer a picked port again, so each is new.
  const taken = new Set<number>();
  const uniquePort = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) return taken.add(port), port;
    }
  };
  for (const { code } of PROVINCES) {
    const port = await uniquePort();
    registry[code] = `http://127.0.0.1:${port}/graphql`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/province/index.ts'], {
      cwd: root,
      // NODE_ENV=production (the bench runner's, libraries as deployed) requires the secrets: the bench's own.
      env: {
        ...process.env, PROVINCE_CODE: code, PORT: String(port), DATABASE_URL: server.url, DB_PREFIX: prefix, LOG_LEVEL: 'warn',
        JWT_SECRET: secrets.jwt, INTERNAL_TOKEN_SECRET: secrets.internalToken, NATIONAL_ID_KEY: secrets.nationalIdKey,
        // In production /metrics has its own port; 34 shards on one machine need 34 of them.
        METRICS_PORT: String(await uniquePort()),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
  }
  await Promise.all(Object.values(registry).map((url) => waitForHealth(url.replace('/graphql', '/health'))));
  // Every shard gets the same local data: a hotline and three facilities.
  for (const { code } of PROVINCES) {
    const sql = postgres(databaseUrl(server.url, databaseName(prefix, 'province', code)), { max: 1, onnotice: () => {} });
    await sql`insert into province_profile (code, hotline) values (${code}, ${'1900 ' + code}) on conflict (code) do update set hotline = excluded.hotline`;
    for (let i = 1; i <= 3; i++) {
      await sql`insert into quarantine_facilities (name, ward_code, address, capacity, occupied) values (${`Khu cách ly ${code}-${i}`}, '00004', 'địa chỉ', ${100 * i}, ${10 * i})`;
    }
    await sql.end();
  }
  const registryFile = join(mkdtempSync(join(tmpdir(), 'bench-registry-')), 'registry.json');
  writeFileSync(registryFile, JSON.stringify({ provinces: registry }));

  const hub = await startHub({
    postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: [], seedDemo: false,
    supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 10_000, provinceTimeoutMs: 5_000,
    provinceRegistryFile: registryFile, maxBodyBytes: 1_000_000, logger: createLogger('bench', 'warn'),
  });
  const token = await signCallerToken(secrets.jwt, { subject: 'bench', role: 'national_official' });
  const ask = (query: string) => async () => {
    const response = await fetch(hub.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { errors?: unknown[]; data: unknown };
    if (body.errors) throw new Error(`unexpected errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
    return body.data;
  };
  // `zones` is not among what the gateway keeps of a province (province/server.ts publicEntities):
  // every request reaches every shard, which is what this bench measures.
  const fields = 'code name hotline quarantineFacilities { name capacity freeBeds } zones { id }';
  const one = ask(`{ province(code: "79") { ${fields} } }`);
  const all = ask(`{ provinces { ${fields} } }`);
  // The first fan-out opens every shard's first connections at once (34 processes forking
  // PostgreSQL backends on 2 cores): on a busy machine one may pass its 3 s connect timeout and
  // answer SERVICE_UNAVAILABLE, as it should. The bench measures the warm hub, so it warms it first.
  for (let attempt = 1; ; attempt++) {
    try {
      const check = (await all()) as { provinces: Array<{ hotline: string | null }> };
      if (check.provinces.filter((p) => p.hotline).length !== 34) throw new Error('not every shard answered');
      break;
    } catch (error) {
      if (attempt === 10) throw error;
      console.log(`warm-up ${attempt}: ${(error as Error).message.slice(0, 160)}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  // Interleave the two so that machine noise hits both alike.
  const oneTimes = await measure(one, N);
  const allTimes = await measure(all, N);
  const oneAgain = await measure(one, N);
  const allAgain = await measure(all, N);
  const p50One = Math.min(oneTimes.p50, oneAgain.p50);
  const p50All = Math.min(allTimes.p50, allAgain.p50);
  console.log(`1 province   : ${fmt(oneTimes)} | again ${fmt(oneAgain)}`);
  console.log(`34 provinces : ${fmt(allTimes)} | again ${fmt(allAgain)}`);
  console.log(`ratio 34/1 (p50, best of two rounds): ${(p50All / p50One).toFixed(2)}x  (target ≤ 1.5x)`);
  // Parallel calls cannot finish before the machine has done their work: on this many cores the
  // 34-province answer takes at least its CPU time divided by the cores, wherever the shards run.
  const cores = (await import('node:os')).cpus().length;
  const floor = Math.min(allTimes.cpuPerCall, allAgain.cpuPerCall) / cores;
  console.log(`the same 34 shards asked one after another (34 × the 1-province p50): ${(34 * p50One).toFixed(1)} ms`);
  console.log(`CPU floor of the 34-province query on ${cores} cores: ${floor.toFixed(1)} ms (= ${(floor / p50One).toFixed(1)}x the 1-province p50); p50 / floor = ${(p50All / floor).toFixed(2)}`);
  await hub.stop();
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const sql = postgres(databaseUrl(server.url, 'postgres'), { max: 1, onnotice: () => {} });
  for (const { datname } of await sql<{ datname: string }[]>`select datname from pg_database where datname like ${prefix + '%'}`) {
    await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await sql.end();
  await server.stop();
}

async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not come up`);
}
