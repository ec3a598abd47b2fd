/**
 * Vaccination certificates: how fast they are issued and verified. Targets (issue 15): issue at
 * least 1,000 per second, verify (the example's verify function) at least 5,000 per second.
 *
 * 1. Signing itself: CertificateSigner.sign (the JWS assembled by hand, node's crypto.sign with a
 *    KeyObject imported once) of a three-dose payload, against, in the same run, jose's CompactSign
 *    of the same payload (the same token), node's raw Ed25519 crypto.sign of the signing input and
 *    an HMAC-SHA256 of the same bytes.
 * 2. Verification: CertificateVerifier.verify, the function examples/verify-certificate.ts runs (a
 *    cached key set and revocation list), against node's raw Ed25519 crypto.verify and an HMAC check.
 *    Then a batch of distinct certificates through verifyBatch (the example's --batch): one thread
 *    against one worker thread per core.
 * 3. Through the gateway: `vaccinationCertificate(personId)` as a national official, closed loop
 *    (access check, audit record, the person's name through the graph, doses, the certificate row,
 *    the signature), against `person(id) { vaccinationStatus }` on the same hub and path (access,
 *    audit, one row) as the baseline of the round trip; then `vaccinationCertificates(personIds)`
 *    for 100 distinct people per request (2,000 people with two doses each, written by SQL):
 *    certificates per second against the single query's.
 *
 * npm run bench -- certificates, or: npx tsx tests/bench/certificates.bench.ts [signatures=5000] [verifications=20000] [seconds=5] [clients=16]
 */
import { availableParallelism } from 'node:os';
import { createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify } from 'node:crypto';
import { Agent, request } from 'undici';
import { startHub, type Hub } from '../../hub/launch.ts';
import { DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';
import { DEV_SECRETS } from '../../subgraphs/shared/env.ts';
import { signCallerToken } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { DEV_CERTIFICATE_KEY, DEV_CERTIFICATE_KEYS } from '../../subgraphs/vaccination/certificates/keys.ts';
import { buildPayload } from '../../subgraphs/vaccination/certificates/payload.ts';
import { CertificateSigner } from '../../subgraphs/vaccination/certificates/sign.ts';
import { CertificateVerifier } from '../../subgraphs/vaccination/certificates/verify.ts';
import { verifyBatch } from '../../examples/verify-certificate.ts';
import postgres from 'postgres';
import { CompactSign, importJWK } from 'jose';
import { databaseUrl } from '../../subgraphs/shared/db.ts';
import { benchPostgres, closedLoopRound, machine } from './support.ts';

const SIGNATURES = Number(process.argv[2] ?? 5_000);
const VERIFICATIONS = Number(process.argv[3] ?? 20_000);
const SECONDS = Number(process.argv[4] ?? 5);
const CLIENTS = Number(process.argv[5] ?? 16);

const ROUNDS = 5;
/** The batch form's people (distinct, registered, two doses each) and how many per request. */
const PEOPLE_IN_BATCH = 2_000;
const PER_REQUEST = 100;

/**
 * Calls per second of each variant: ROUNDS rounds, each running every variant for n / ROUNDS
 * sequential calls in a rotating order (so drifting machine load hits all alike); the median
 * round of each. A tenth as many calls first, unmeasured.
 */
async function rates(variants: Record<string, () => unknown>, n: number): Promise<Record<string, number>> {
  const names = Object.keys(variants);
  const per = Math.max(1, Math.floor(n / ROUNDS));
  for (const name of names) for (let i = 0; i < Math.ceil(n / 10); i++) await variants[name]!();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const started = performance.now();
      for (let i = 0; i < per; i++) await variants[name]!();
      samples[name]!.push(per / ((performance.now() - started) / 1000));
    }
  }
  return Object.fromEntries(names.map((name) => [name, samples[name]!.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!]));
}
const perSecond = (r: number) => `${Math.round(r).toLocaleString('en-US')}/s`;

console.log(`machine: ${await machine()}`);
const payload = buildPayload({
  certificateId: '3b0c8a4e-7c1f-4b7e-9c55-0d6f4f8f2a11',
  issuedAt: new Date(),
  fullName: 'Nguyễn Văn An',
  birthYear: 1985,
  doses: [
    { productCode: 'COMIRNATY', administeredAt: new Date('2021-08-01T03:00:00Z'), doseNumber: 1 },
    { productCode: 'COMIRNATY', administeredAt: new Date('2021-08-29T03:00:00Z'), doseNumber: 2 },
    { productCode: 'SPIKEVAX', administeredAt: new Date('2022-01-10T03:00:00Z'), doseNumber: 3 },
  ],
});

// ---- 1. Signing --------------------------------------------------------------------------------
const signer = await CertificateSigner.create(DEV_CERTIFICATE_KEYS);
const sample = await signer.sign(payload);
const signingInput = Buffer.from(sample.token.slice(0, sample.token.lastIndexOf('.')));
const privateKey = createPrivateKey({ key: { ...DEV_CERTIFICATE_KEY }, format: 'jwk' });
const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: DEV_CERTIFICATE_KEY.x }, format: 'jwk' });
const hmacKey = Buffer.alloc(32, 7);
const joseKey = await importJWK({ ...DEV_CERTIFICATE_KEY, alg: 'EdDSA' }, 'EdDSA');
const joseSign = () => new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid: DEV_CERTIFICATE_KEY.kid }).sign(joseKey);
if ((await joseSign()) !== sample.token) throw new Error('jose and the signer disagree on the token');
const { signer: signRate, jose: joseSignRate, raw: rawSignRate, hmac: hmacSignRate } = (await rates(
  {
    signer: () => signer.sign(payload),
    jose: joseSign,
    raw: () => sign(null, signingInput, privateKey),
    hmac: () => createHmac('sha256', hmacKey).update(signingInput).digest(),
  },
  SIGNATURES,
)) as Record<'signer' | 'jose' | 'raw' | 'hmac', number>;
console.log(`\nsigning a certificate (${sample.qrPayload.length}-character QR, ${SIGNATURES} sequential calls each, median of ${ROUNDS} alternating rounds)`);
console.log(`  CertificateSigner.sign (node crypto.sign, KeyObject) ${perSecond(signRate)}  (target ≥ 1,000/s: ${signRate >= 1_000 ? 'met' : 'NOT met'})`);
console.log(`  baseline: jose CompactSign, the same token          ${perSecond(joseSignRate)}  → signer/jose ${(signRate / joseSignRate).toFixed(2)}×`);
console.log(`  baseline: raw Ed25519 crypto.sign                   ${perSecond(rawSignRate)}  → signer/raw ${(signRate / rawSignRate).toFixed(2)}×`);
console.log(`  baseline: HMAC-SHA256 of the same bytes             ${perSecond(hmacSignRate)}  → signer/HMAC ${(signRate / hmacSignRate).toFixed(2)}×`);

// ---- 2. Verification ---------------------------------------------------------------------------
const verifier = new CertificateVerifier(signer.jwks, { certificateIds: Array.from({ length: 1_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`) });
const outcome = await verifier.verify(sample.qrPayload);
if (outcome.status !== 'VALID') throw new Error(`the sample certificate does not verify: ${outcome.status}`);
const signature = Buffer.from(sample.token.slice(sample.token.lastIndexOf('.') + 1), 'base64url');
const mac = createHmac('sha256', hmacKey).update(signingInput).digest();
const { verifier: verifyRate, raw: rawVerifyRate, hmac: hmacVerifyRate } = (await rates(
  {
    verifier: () => verifier.verify(sample.qrPayload),
    raw: () => verify(null, signingInput, publicKey, signature),
    hmac: () => timingSafeEqual(createHmac('sha256', hmacKey).update(signingInput).digest(), mac),
  },
  VERIFICATIONS,
)) as Record<'verifier' | 'raw' | 'hmac', number>;
console.log(`\nverifying a certificate (a cached key set and a 1,000-id revocation list, ${VERIFICATIONS} sequential calls each, median of ${ROUNDS} alternating rounds)`);
console.log(`  CertificateVerifier.verify (the example's)         ${perSecond(verifyRate)}  (target ≥ 5,000/s: ${verifyRate >= 5_000 ? 'met' : 'NOT met'})`);
console.log(`  baseline: raw Ed25519 crypto.verify                ${perSecond(rawVerifyRate)}  → verify/raw ${(verifyRate / rawVerifyRate).toFixed(2)}×`);
console.log(`  baseline: HMAC-SHA256 check of the same bytes      ${perSecond(hmacVerifyRate)}  → verify/HMAC ${(verifyRate / hmacVerifyRate).toFixed(2)}×`);

// A batch (the example's --batch, verifyBatch): one thread against every core's worker threads,
// wall time including the threads' start; distinct certificates, so no cache answers twice.
const batch = Array.from({ length: VERIFICATIONS }, (_, i) => signer.sign({ ...payload, cid: `3b0c8a4e-7c1f-4b7e-9c55-${String(i).padStart(12, '0')}` }).qrPayload);
const threads = availableParallelism();
const timed = async (n: number) => {
  const started = performance.now();
  const outcomes = await verifyBatch(signer.jwks, undefined, batch, n);
  if (outcomes.some((o) => o.status !== 'VALID')) throw new Error('a batch certificate does not verify');
  return batch.length / ((performance.now() - started) / 1000);
};
const batchRates: Record<'one' | 'all', number[]> = { one: [], all: [] };
for (let round = 0; round < 3; round++) {
  for (const which of round % 2 ? (['all', 'one'] as const) : (['one', 'all'] as const)) batchRates[which].push(await timed(which === 'one' ? 1 : threads));
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
console.log(`\nverifying a batch of ${VERIFICATIONS} distinct certificates (verifyBatch, the example's --batch; median of 3 alternating rounds, thread start included)`);
console.log(`  --threads ${threads} (worker_threads)                      ${perSecond(median(batchRates.all))}  (target ≥ 5,000/s: ${median(batchRates.all) >= 5_000 ? 'met' : 'NOT met'})  → ${threads} threads/1 thread ${(median(batchRates.all) / median(batchRates.one)).toFixed(2)}×`);
console.log(`  baseline: --threads 1 (this thread)                ${perSecond(median(batchRates.one))}  (target ≥ 5,000/s: ${median(batchRates.one) >= 5_000 ? 'met' : 'NOT met'})`);

// ---- 3. Through the gateway --------------------------------------------------------------------
const server = await benchPostgres();
const prefix = `bench_cert_${process.pid}`;
const secrets = { jwt: DEV_SECRETS.JWT_SECRET, internalToken: DEV_SECRETS.INTERNAL_TOKEN_SECRET, nationalIdKey: DEV_SECRETS.NATIONAL_ID_KEY };
let hub: Hub | undefined;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: CLIENTS * 2 });
try {
  hub = await startHub({
    postgresUrl: server.url, dbPrefix: prefix, secrets, ports: 'random', provinceCodes: [], seedDemo: true,
    supergraphPath: SUPERGRAPH_FILE, production: false, subgraphTimeoutMs: 10_000, provinceTimeoutMs: 5_000,
    maxBodyBytes: 1_000_000, logger: createLogger('bench', 'warn'), tracingWorkers: false,
  });
  const token = await signCallerToken(secrets.jwt, { subject: 'bench-official', role: 'national_official' });
  // The demo people with doses (subgraphs/vaccination/seed.ts).
  const people = [DEMO_PEOPLE.an, DEMO_PEOPLE.binh, DEMO_PEOPLE.chau, DEMO_PEOPLE.dung, DEMO_PEOPLE.long].map((p) => p.id);
  const url = hub.gatewayUrl;
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await request(url, {
      method: 'POST', dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.body.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors || !body.data) throw new Error(`the gateway answered ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const ask = (query: string) => (i: number) => post(query, { id: people[i % people.length] });
  const certificateQuery = `query Certificate($id: ID!) { vaccinationCertificate(personId: $id) { token keyId } }`;
  const statusQuery = `query Status($id: ID!) { person(id: $id) { vaccinationStatus } }`;
  // Warm-up: plans cached, certificates issued once (later requests find their rows).
  await closedLoopRound(ask(certificateQuery), CLIENTS, 1);
  await closedLoopRound(ask(statusQuery), CLIENTS, 1);
  const issued = await closedLoopRound(ask(certificateQuery), CLIENTS, SECONDS);
  const status = await closedLoopRound(ask(statusQuery), CLIENTS, SECONDS);
  console.log(`\nthrough the gateway (hub in this process, ${CLIENTS} clients, ${SECONDS} s each; PostgreSQL: ${server.describe})`);
  console.log(`  vaccinationCertificate(personId)                   ${perSecond(issued.rps)}  p50 ${issued.p50.toFixed(1)} ms  (target ≥ 1,000/s: ${issued.rps >= 1_000 ? 'met' : 'NOT met'})`);
  console.log(`  baseline: person { vaccinationStatus }             ${perSecond(status.rps)}  p50 ${status.p50.toFixed(1)} ms  → certificate/status ${(issued.rps / status.rps).toFixed(2)}×`);

  // The batch form: PEOPLE_IN_BATCH distinct registered people with two doses each, written by SQL
  // (declarations' people, vaccination's doses), PER_REQUEST of them per request.
  const declarations = hub.subgraphs.find((x) => x.name === 'declarations')!.database.sql;
  const vaccination = hub.subgraphs.find((x) => x.name === 'vaccination')!.database.sql;
  const ward = DEMO_WARDS[0]!;
  const batchPerson = (i: number) => `ce470000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  await declarations.unsafe(`
    insert into people (id, full_name, birth_year, phone, residence_ward_code, residence_province_code)
    select ('ce470000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Người ' || i, 1950 + i % 60, '09' || lpad(i::text, 8, '0'), '${ward.code}', '${ward.provinceCode}'
    from generate_series(0, ${PEOPLE_IN_BATCH - 1}) i`);
  await vaccination.unsafe(`
    insert into doses (source, record_id, person_id, product_code, dose_number, lot, administered_at, ward_code, province_code, birth_year)
    select 'bench-site', 'CERT-' || i || '-' || n, ('ce470000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'COMIRNATY', n, 'FK1234',
           timestamptz '2021-08-01 03:00Z' + (n * 28 + i % 30) * interval '1 day', '${ward.code}', '${ward.provinceCode}', 1950 + i % 60
    from generate_series(0, ${PEOPLE_IN_BATCH - 1}) i, generate_series(1, 2) n`);
  const manyQuery = `query Certificates($ids: [ID!]!) { vaccinationCertificates(personIds: $ids) { token keyId } }`;
  const askMany = async (i: number) => {
    const start = (i * PER_REQUEST) % PEOPLE_IN_BATCH;
    const data = await post(manyQuery, { ids: Array.from({ length: PER_REQUEST }, (_, k) => batchPerson((start + k) % PEOPLE_IN_BATCH)) });
    const list = data.vaccinationCertificates as Array<{ token: string } | null>;
    if (list.length !== PER_REQUEST || list.some((c) => !c)) throw new Error('a batch answered without a certificate for someone');
  };
  const batchClients = Math.max(1, Math.min(4, CLIENTS));
  // Warm-up: every batch person's certificate row issued once.
  for (let i = 0; i < PEOPLE_IN_BATCH / PER_REQUEST; i++) await askMany(i);
  const many = await closedLoopRound(askMany, batchClients, SECONDS);
  const manyRate = many.rps * PER_REQUEST;
  console.log(`  vaccinationCertificates(personIds), ${PER_REQUEST} distinct people per request, ${batchClients} clients: ${perSecond(manyRate)} certificates (${many.rps.toFixed(1)} requests/s, p50 ${many.p50.toFixed(1)} ms)  (target ≥ 1,000/s: ${manyRate >= 1_000 ? 'met' : 'NOT met'})  → batch/single ${(manyRate / issued.rps).toFixed(2)}×`);
} finally {
  await hub?.stop();
  await agent.close();
  const sql = postgres(databaseUrl(server.url, 'postgres'), { max: 1, onnotice: () => {} });
  for (const { datname } of await sql<{ datname: string }[]>`select datname from pg_database where datname like ${prefix + '%'}`) {
    await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await sql.end();
  await server.stop();
}
