/**
 * npm run fuzz [-- --cases 3000] [-- --seed 42]
 *
 * Bad input at volume, property-based: a seeded generator (fast-check is not installed; this is
 * its idea, small) makes thousands of requests to the gateway, in production mode as deployed,
 * and checks each answer: no 5xx, a JSON body, every error with an `extensions.code`, no stack or
 * internal detail, and the gateway still answering /health after each. Requests: documents
 * built from the supergraph's own types with random arguments, selections, aliases, fragments,
 * depth and unknown names; variables of the wrong type, shape or size; partner batches (check-ins,
 * lab results) of random rows; non-GraphQL bodies (JSON of every kind, arrays as batches, broken
 * JSON, wrong content types, huge strings). A failure prints its case, seed and index so that
 * `--seed S --only I` replays it.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildASTSchema, getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType, isInterfaceType, isUnionType, parse, type GraphQLField, type GraphQLInputType, type GraphQLNamedType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { parseArgs, stringFlag } from '../../scripts/args.ts';
import { startHub } from '../../hub/launch.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { machine } from '../bench/support.ts';
import { startChaosPostgres } from './postgres.ts';
import { CHECKINS_DOCUMENT_ID } from './workload.ts';

const { flags } = parseArgs(process.argv.slice(2));
const CASES = Number(stringFlag(flags, 'cases') ?? 3000);
const SEED = Number(stringFlag(flags, 'seed') ?? Date.now() % 1_000_000);
const ONLY = stringFlag(flags, 'only');
const OUT_DIR = fileURLToPath(new URL('../output/fuzz', import.meta.url));
const say = (line: string) => console.log(`[fuzz ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** mulberry32: small, seeded, good enough to explore. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof rng>;

const WEIRD_STRINGS = ['', ' ', 'null', '0', '-1', '1e309', 'NaN', '\u0000', '\ud800', '"; drop table people; --', '<script>', '../../etc/passwd', 'VN-79-CBT-0001', '79', '00', '99', 'Nguyễn Văn An', '2026-13-45T25:61:61Z', '2026-12-05T00:00:00Z', '0b6f3c1e-0000-4000-8000-000000000001', 'sha256:', '{"a":1}', '\\', '%s%s%s', 'x'.repeat(70_000)];

function randomScalar(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 9)) {
    case 0: return r.pick(WEIRD_STRINGS);
    case 1: return r.int(2) ? r.int(1000) - 500 : r.pick([Number.MAX_SAFE_INTEGER, -0, 2 ** 31, 1.5, 1e300]);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return Array.from({ length: r.int(4) }, () => r.pick(WEIRD_STRINGS.slice(0, 20)));
    case 5: return new Date(Date.now() + (r.next() - 0.5) * 1e11).toISOString();
    case 6: return Array.from({ length: r.int(5) }, () => randomScalar(r, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: r.int(4) }, (_, i) => [r.pick(['id', 'qrCode', 'personId', 'x', `f${i}`]), randomScalar(r, depth + 1)]));
    default: return crypto.randomUUID();
  }
}

/** A value for an input type: mostly of the right shape, sometimes not at all. */
function inputValue(r: Rng, type: GraphQLInputType, depth = 0): unknown {
  if (r.chance(0.08) || depth > 4) return randomScalar(r, depth);
  if (isNonNullType(type)) return inputValue(r, type.ofType, depth);
  if (r.chance(0.05)) return null;
  if (isListType(type)) {
    // Past the hub's batch limit (5000), with small elements: the limit, not the generator's memory, is tested.
    if (r.chance(0.03)) return Array.from({ length: 5001 }, () => crypto.randomUUID());
    return Array.from({ length: r.int(4) }, () => inputValue(r, type.ofType, depth + 1));
  }
  if (isEnumType(type)) return r.chance(0.8) ? r.pick(type.getValues()).name : r.pick(['NOPE', 'positive', '']);
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return Object.fromEntries(fields.filter(() => r.chance(0.85)).map((f) => [f.name, inputValue(r, f.type, depth + 1)]));
  }
  if (isScalarType(type)) {
    if (type.name === 'Int') return r.chance(0.7) ? r.int(200) - 50 : r.pick([2 ** 31, 1.5, '3']);
    if (type.name === 'Boolean') return r.chance(0.8) ? r.chance(0.5) : 'yes';
    if (type.name === 'ID') return r.chance(0.6) ? crypto.randomUUID() : r.pick(WEIRD_STRINGS);
    if (type.name === 'DateTime') return r.chance(0.6) ? new Date(Date.now() - r.int(30) * 86_400_000).toISOString() : r.pick(WEIRD_STRINGS);
    return r.pick(WEIRD_STRINGS);
  }
  return randomScalar(r, depth);
}

/** An inline GraphQL literal for a value (for arguments written in the document). */
function literal(value: unknown, type?: GraphQLInputType): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => literal(v)).join(', ')}]`;
  if (typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }`;
  if (typeof value === 'string' && type && isEnumType(getNamedType(type)) && /^[A-Z_]+$/.test(value)) return value;
  return JSON.stringify(value);
}

function selection(r: Rng, schema: GraphQLSchema, type: GraphQLNamedType, depth: number, vars: Map<string, { type: string; value: unknown }>): string {
  if (!(isObjectType(type) || isInterfaceType(type))) {
    if (isUnionType(type)) return `{ __typename ${type.getTypes().filter(() => r.chance(0.5)).map((t) => `... on ${t.name} ${selection(r, schema, t, depth + 1, vars)}`).join(' ')} }`;
    return '';
  }
  const fields = Object.values((type as GraphQLObjectType).getFields());
  const chosen = Array.from({ length: 1 + r.int(depth > 3 ? 1 : 4) }, () => r.pick(fields));
  const parts = chosen.map((field) => fieldText(r, schema, field, depth, vars));
  if (r.chance(0.05)) parts.push(r.pick(['doesNotExist', '__schema { types { name } }', '__type(name: "Person") { fields { name } }', 'password']));
  return `{ __typename ${parts.join(' ')} }`;
}

function fieldText(r: Rng, schema: GraphQLSchema, field: GraphQLField<unknown, unknown>, depth: number, vars: Map<string, { type: string; value: unknown }>): string {
  const alias = r.chance(0.1) ? `a${r.int(1000)}: ` : '';
  const args = field.args
    .filter((a) => isNonNullType(a.type) || r.chance(0.4))
    .map((a) => {
      const value = inputValue(r, a.type);
      if (r.chance(0.5)) {
        const name = `v${vars.size}`;
        // Sometimes a variable declared with the wrong type.
        vars.set(name, { type: r.chance(0.9) ? String(a.type) : r.pick(['String', 'Int!', '[ID!]!', 'Boolean']), value: r.chance(0.05) ? undefined : value });
        return `${a.name}: $${name}`;
      }
      return `${a.name}: ${literal(value, a.type)}`;
    });
  if (r.chance(0.03)) args.push(`unknownArg: 1`);
  const named = getNamedType(field.type);
  const sub = depth < 6 && (isObjectType(named) || isInterfaceType(named) || isUnionType(named)) ? selection(r, schema, named, depth + 1, vars) : '';
  return `${alias}${field.name}${args.length ? `(${args.join(', ')})` : ''} ${sub}`;
}

interface Case {
  kind: string;
  headers?: Record<string, string>;
  body: string;
  token: 'official' | 'partner' | 'lab' | 'none' | 'garbage';
}

function makeCase(r: Rng, schema: GraphQLSchema): Case {
  const token = r.pick(['official', 'official', 'official', 'partner', 'lab', 'none', 'garbage'] as const);
  const roll = r.next();
  if (roll < 0.6) {
    const root = r.chance(0.7) ? schema.getQueryType()! : schema.getMutationType()!;
    const vars = new Map<string, { type: string; value: unknown }>();
    const fields = Object.values(root.getFields());
    const parts = Array.from({ length: 1 + r.int(3) }, () => fieldText(r, schema, r.pick(fields), 0, vars));
    const operation = root === schema.getQueryType() ? 'query' : 'mutation';
    const declared = [...vars].map(([name, v]) => `$${name}: ${v.type}`).join(', ');
    let query = `${operation} Fuzz${declared ? `(${declared})` : ''} { ${parts.join(' ')} }`;
    if (r.chance(0.05)) query = query.slice(0, r.int(query.length)); // cut short: a syntax error
    if (r.chance(0.03)) query = `${query} fragment F on Query { __typename ...F }`; // a cycle
    const variables = Object.fromEntries([...vars].filter(([, v]) => v.value !== undefined).map(([name, v]) => [name, v.value]));
    return { kind: `${operation} document`, body: JSON.stringify({ query, variables: r.chance(0.05) ? randomScalar(r) : variables, ...(r.chance(0.05) ? { operationName: r.pick(['Nope', '', 'Fuzz']) } : {}) }), token };
  }
  if (roll < 0.75) {
    // A partner's batch upload by registered id, random rows.
    const batch = Array.from({ length: r.chance(0.02) ? 5001 : r.int(20) }, () =>
      r.chance(0.7) ? { id: r.chance(0.8) ? crypto.randomUUID() : r.pick(WEIRD_STRINGS), qrCode: r.pick(['VN-79-CBT-0001', ...WEIRD_STRINGS.slice(0, 12)]), personId: r.chance(0.8) ? crypto.randomUUID() : randomScalar(r), checkedInAt: r.chance(0.8) ? new Date(Date.now() - r.int(1e9)).toISOString() : randomScalar(r) } : randomScalar(r),
    );
    return { kind: 'check-in batch', body: JSON.stringify({ documentId: r.chance(0.9) ? `sha256:${CHECKINS_DOCUMENT_ID}` : r.pick(WEIRD_STRINGS.slice(0, 10)), variables: { batch } }), token: 'partner' };
  }
  if (roll < 0.85) {
    // Batched requests (a JSON array) and bodies of every shape.
    const body = r.pick([
      () => JSON.stringify(Array.from({ length: r.int(30) }, () => ({ query: '{ __typename }' }))),
      () => JSON.stringify(randomScalar(r)),
      () => '{"query": "{ __typename }"'.slice(0, r.int(26)),
      () => JSON.stringify({ query: randomScalar(r), variables: randomScalar(r), extensions: randomScalar(r) }),
      () => JSON.stringify({ query: `{ ${'a { '.repeat(200 + r.int(300))}b${' }'.repeat(200)} }` }),
      () => JSON.stringify({ query: `{ ${Array.from({ length: 2000 }, (_, i) => `f${i}: __typename`).join(' ')} }` }),
      () => JSON.stringify({ query: 'query($a: String) { __typename }', variables: { a: 'x'.repeat(1_000_000) } }),
      () => JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: r.pick(WEIRD_STRINGS) } } }),
    ])();
    return { kind: 'odd body', body, token };
  }
  return { kind: 'wrong content type', headers: { 'content-type': r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/graphql', '']) }, body: r.chance(0.5) ? '{ __typename }' : JSON.stringify({ query: '{ __typename }' }), token };
}

/** What a caller must never see in an answer. */
const LEAKS = /\bat [\w.<>]+ \(|node_modules|stacktrace|"stack"|\/work\/|ECONNREFUSED|postgres(ql)?:\/\/|Failed query|select .* from /i;

function judge(status: number, text: string): string | null {
  if (status >= 500) return `HTTP ${status}`;
  if (LEAKS.test(text)) return `leaks internals: ${LEAKS.exec(text)![0]}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return status === 413 || status === 415 || status === 405 ? null : `HTTP ${status}, body not JSON: ${text.slice(0, 120)}`;
  }
  const answers = Array.isArray(body) ? body : [body];
  for (const answer of answers as Array<{ errors?: Array<{ extensions?: { code?: unknown } }> }>) {
    for (const error of answer?.errors ?? []) {
      if (typeof error?.extensions?.code !== 'string') return `an error without a code: ${JSON.stringify(error).slice(0, 200)}`;
      // Coded, but the code of a fault inside the hub: bad input must get a code of its own.
      if (error.extensions.code === 'INTERNAL_SERVER_ERROR') return `INTERNAL_SERVER_ERROR: ${JSON.stringify(error).slice(0, 200)}`;
    }
  }
  return null;
}

say(`machine: ${await machine()}; ${CASES} cases, seed ${SEED}`);
const pg = await startChaosPostgres();
const hub = await startHub({
  postgresUrl: pg.url, dbPrefix: 'fuzz', secrets: { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY },
  ports: 'random', provinceCodes: ['01', '79'], seedDemo: true, supergraphPath: SUPERGRAPH_FILE, production: true, subgraphTimeoutMs: 10_000, provinceTimeoutMs: 3_000,
  maxBodyBytes: 2_000_000, logger: createLogger('fuzz', 'silent'), tracingWorkers: false,
});
let exitCode = 1;
try {
  const schema = buildASTSchema(parse(readFileSync(SUPERGRAPH_FILE, 'utf8')), { assumeValidSDL: true });
  const sign = (subject: string, role: 'partner' | 'national_official', scopes?: string[]) => signCallerToken(DEV_SECRETS.JWT_SECRET, { subject, role, ...(scopes ? { scopes } : {}) });
  const tokens: Record<Case['token'], string | null> = {
    official: await sign('fuzz-official', 'national_official'),
    partner: await sign('partner-acme', 'partner', ['checkins:write', 'venues:read']),
    lab: await sign('fuzz-lab', 'partner', ['tests:write']),
    none: null,
    garbage: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  };
  const base = hub.gatewayUrl.replace(/\/graphql$/, '');
  const failures: Array<{ index: number; kind: string; why: string; body: string }> = [];
  const byStatus = new Map<number, number>();
  const codes = new Map<string, number>();
  for (let i = 0; i < CASES; i++) {
    const r = rng(SEED * 100_003 + i);
    if (ONLY !== undefined && String(i) !== ONLY) continue;
    const c = makeCase(r, schema);
    const token = tokens[c.token];
    let status = 0;
    let text = '';
    try {
      const response = await fetch(hub.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...c.headers },
        body: c.body,
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      failures.push({ index: i, kind: c.kind, why: `no answer: ${(error as Error).message}`, body: c.body.slice(0, 2000) });
      continue;
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    for (const m of text.matchAll(/"code":"([A-Z_]+)"/g)) codes.set(m[1]!, (codes.get(m[1]!) ?? 0) + 1);
    const why = judge(status, text);
    if (why) {
      failures.push({ index: i, kind: c.kind, why: `${why}: ${text.slice(0, 300)}`, body: c.body.slice(0, 2000) });
      // The whole request (strings of 70,000 characters are cut above), to turn into a regression test.
      mkdirSync(OUT_DIR, { recursive: true });
      writeFileSync(join(OUT_DIR, `fuzz-${SEED}-case-${i}.json`), JSON.stringify({ headers: c.headers, token: c.token, body: c.body, answer: text }, null, 2));
    }
    if (i % 250 === 0) {
      const health = await fetch(`${base}/health`).then((res) => res.status, () => 0);
      if (health !== 200) failures.push({ index: i, kind: 'health', why: `gateway /health answered ${health}`, body: '' });
      say(`${i}/${CASES} cases, ${failures.length} failure(s)`);
    }
  }
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, `fuzz-${SEED}.json`), JSON.stringify({ seed: SEED, cases: CASES, byStatus: Object.fromEntries(byStatus), codes: Object.fromEntries(codes), failures }, null, 2));
  for (const f of failures.slice(0, 20)) say(`FAILED case ${f.index} (${f.kind}): ${f.why}\n    ${f.body.slice(0, 300)}\n    whole request: ${join(OUT_DIR, `fuzz-${SEED}-case-${f.index}.json`)}`);
  console.log(`fuzz: ${CASES} cases (seed ${SEED}): HTTP ${[...byStatus].sort().map(([s, n]) => `${s}×${n}`).join(' ')}; codes ${[...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}×${n}`).join(' ')}; ${failures.length} failure(s)${failures.length ? ` — replay: npm run fuzz -- --seed ${SEED} --only ${failures[0]!.index}` : ''}`);
  exitCode = failures.length > 0 ? 1 : 0;
} catch (error) {
  console.error('[fuzz] the run could not finish:', error);
} finally {
  await hub.stop();
  await pg.stop();
}
process.exit(exitCode);
