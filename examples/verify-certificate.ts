/**
 * A checkpoint's offline check of a vaccination certificate (chứng nhận tiêm chủng): an airport,
 * an office or a shop with no network. It reads only files fetched earlier, while online:
 *
 *   curl -s http://127.0.0.1:4000/.well-known/jwks.json > jwks.json
 *   curl -s http://127.0.0.1:4000/.well-known/certificate-revocations.json > revocations.json
 *
 * then, for each scanned QR code (its text: `VNVC1:` and the JWS, or the bare JWS):
 *
 *   npx tsx examples/verify-certificate.ts --jwks jwks.json --revocations revocations.json 'VNVC1:eyJ…'
 *   npx tsx examples/verify-certificate.ts --jwks jwks.json --token-file scanned.txt
 *
 * Exit code: 0 valid, 3 tampered, 4 signed with a key the cached set does not list (refresh it
 * when online), 5 revoked, 6 not a certificate, 2 bad usage or unreadable files. One line on
 * stdout says which, Vietnamese then English. Without --revocations a revoked certificate passes:
 * the revocation list is as fresh as the last download.
 *
 * A batch (a gate's scans of the day, a border post's list) checks one certificate per line of a
 * file, over several threads when asked (worker_threads; one Ed25519 verification is CPU work):
 *
 *   npx tsx examples/verify-certificate.ts --jwks jwks.json --batch scans.txt --threads 2
 *
 * One line per certificate, `<line number>: <outcome>`, in file order; blank lines are skipped. The
 * exit code is 0 when every certificate is valid, otherwise the code of the first one that is not.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { JSONWebKeySet } from 'jose';
import {
  CertificateVerifier,
  describeOutcome,
  EXIT_CODES,
  revocationListSchema,
  type RevocationList,
  type VerifyOutcome,
} from '../subgraphs/vaccination/certificates/verify.ts';

export const USAGE =
  'usage: verify-certificate --jwks <file> [--revocations <file>] (<token or QR text> | --token-file <file> | --batch <file> [--threads <n>])';
export const USAGE_EXIT_CODE = 2;

/** What a verification thread is given: the cached documents and its share of the certificates. */
interface Share {
  jwks: JSONWebKeySet;
  revocations: Pick<RevocationList, 'certificateIds'> | undefined;
  tokens: string[];
}

/**
 * Verifies many certificates with one verifier per thread: `threads` 1 in this thread, more in
 * that many worker threads, each given a contiguous share (outcomes come back in input order).
 */
export async function verifyBatch(
  jwks: JSONWebKeySet,
  revocations: Pick<RevocationList, 'certificateIds'> | undefined,
  tokens: readonly string[],
  threads = 1,
): Promise<VerifyOutcome[]> {
  if (threads <= 1 || tokens.length < 2) {
    const verifier = new CertificateVerifier(jwks, revocations);
    return tokens.map((token) => verifier.verify(token));
  }
  const size = Math.ceil(tokens.length / threads);
  const shares = Array.from({ length: Math.ceil(tokens.length / size) }, (_, i) => tokens.slice(i * size, (i + 1) * size));
  const answers = await Promise.all(
    shares.map(
      (share) =>
        new Promise<VerifyOutcome[]>((resolve, reject) => {
          const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { jwks, revocations, tokens: share } satisfies Share });
          worker.once('message', (outcomes: VerifyOutcome[]) => resolve(outcomes));
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`a verification thread ended (exit code ${code}) before answering`)));
        }),
    ),
  );
  return answers.flat();
}

/**
 * A verification thread's start: this file again. Run through tsx (a .ts file), the thread
 * registers tsx's loader first: Node 20 does not pass the parent's module hooks to a worker.
 */
const WORKER_BOOT = import.meta.url.endsWith('.ts')
  ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`
  : `import(${JSON.stringify(import.meta.url)})`;

/** The thread count of --threads: a positive integer, or `auto` (one per core). */
function threadCount(value: string | undefined): number | null {
  if (value === undefined) return 1;
  if (value === 'auto') return availableParallelism();
  return /^[1-9]\d{0,2}$/.test(value) ? Number(value) : null;
}

/** Runs the check on the given arguments: the exit code and the line to print. */
export async function main(argv: readonly string[]): Promise<{ code: number; message: string }> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { jwks: { type: 'string' }, revocations: { type: 'string' }, 'token-file': { type: 'string' }, batch: { type: 'string' }, threads: { type: 'string' } },
      allowPositionals: true,
    });
  } catch (error) {
    return { code: USAGE_EXIT_CODE, message: `${(error as Error).message}\n${USAGE}` };
  }
  const { values, positionals } = parsed;
  const tokenFile = values['token-file'];
  const threads = threadCount(values.threads);
  const sources = [positionals.length > 0, tokenFile !== undefined, values.batch !== undefined].filter(Boolean).length;
  if (!values.jwks || sources !== 1 || positionals.length > 1 || threads === null || (values.threads !== undefined && !values.batch)) {
    return { code: USAGE_EXIT_CODE, message: USAGE };
  }
  try {
    const jwks = JSON.parse(readFileSync(values.jwks, 'utf8'));
    if (!Array.isArray(jwks?.keys)) return { code: USAGE_EXIT_CODE, message: `${values.jwks} is not a JWK set (no "keys" array)` };
    const revocations = values.revocations ? revocationListSchema.parse(JSON.parse(readFileSync(values.revocations, 'utf8'))) : undefined;
    if (values.batch) {
      const lines = readFileSync(values.batch, 'utf8').split('\n').map((text, i) => ({ line: i + 1, text: text.trim() })).filter((l) => l.text !== '');
      const outcomes = await verifyBatch(jwks, revocations, lines.map((l) => l.text), threads);
      const firstBad = outcomes.find((o) => o.status !== 'VALID');
      return { code: firstBad ? EXIT_CODES[firstBad.status] : 0, message: outcomes.map((o, i) => `${lines[i]!.line}: ${describeOutcome(o)}`).join('\n') };
    }
    const token = tokenFile ? readFileSync(tokenFile, 'utf8') : positionals[0]!;
    const outcome = new CertificateVerifier(jwks, revocations).verify(token);
    return { code: EXIT_CODES[outcome.status], message: describeOutcome(outcome) };
  } catch (error) {
    return { code: USAGE_EXIT_CODE, message: `cannot read the cached files: ${(error as Error).message}` };
  }
}

if (!isMainThread && parentPort) {
  // A verification thread of verifyBatch: its share, verified, sent back.
  const { jwks, revocations, tokens } = workerData as Share;
  const verifier = new CertificateVerifier(jwks, revocations);
  parentPort.postMessage(tokens.map((token) => verifier.verify(token)));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { code, message } = await main(process.argv.slice(2));
  process.stdout.write(`${message}\n`);
  process.exitCode = code;
}
